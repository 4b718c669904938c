// A merchant's webhook receiver on a local port: records every request and answers with the
// status codes a test scripts (then 200), and checks signatures with the standardwebhooks
// library, an implementation of the scheme independent of Dunner's.
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Webhook } from 'standardwebhooks';
import { vi } from 'vitest';

export type Received = {
  headers: IncomingHttpHeaders;
  body: string;
  json: { type: string; timestamp: string; data: Record<string, unknown> };
  webhookId: string;
  webhookTimestamp: number;
  signatures: string[];
};

export type Receiver = Awaited<ReturnType<typeof startReceiver>>;

export async function startReceiver(options: { hang?: boolean } = {}) {
  const received: Received[] = [];
  const script: number[] = [];
  let fallback = 200;
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      received.push({
        headers: req.headers,
        body,
        json: JSON.parse(body),
        webhookId: String(req.headers['webhook-id']),
        webhookTimestamp: Number(req.headers['webhook-timestamp']),
        signatures: String(req.headers['webhook-signature']).split(' '),
      });
      if (options.hang) return; // never answers: the sender's timeout must end the attempt
      const status = script.shift() ?? fallback;
      res.writeHead(status, { 'content-type': 'text/plain' });
      res.end(status === 200 ? 'ok' : `status ${status}`);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/hooks`,
    received,
    /** The next answers, in order; afterwards `then` (200 unless set). */
    answer(statuses: number[], then = 200) {
      script.push(...statuses);
      fallback = then;
    },
    /**
     * What arrived, in the order the events happened: deliveries go out several at a time and
     * their order is not guaranteed (docs/webhooks.md), so a receiver orders by event.
     */
    inEventOrder: () => inEventOrder(received),
    /** The event types received, in the order the events happened. */
    types: () => inEventOrder(received).map((r) => r.json.type),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** Sorted by the event number in `webhook-id` (`evt_<n>`); others and repeats keep arrival order. */
function inEventOrder(received: Received[]): Received[] {
  const eventNumber = (r: Received) => {
    const m = /^evt_(\d+)$/.exec(r.webhookId);
    return m ? Number(m[1]) : Number.MAX_SAFE_INTEGER;
  };
  return received
    .map((r, i) => ({ r, i, n: eventNumber(r) }))
    .sort((a, b) => a.n - b.n || a.i - b.i)
    .map(({ r }) => r);
}

/**
 * Verifies a received message as a receiver would, with `now` as the receiver's clock (the
 * library rejects timestamps more than five minutes away from it). Returns the parsed body.
 */
export function verifyWith(secret: string, message: Received, now: Date): unknown {
  vi.useFakeTimers({ toFake: ['Date'] });
  vi.setSystemTime(now);
  try {
    return new Webhook(secret).verify(message.body, {
      'webhook-id': message.webhookId,
      'webhook-timestamp': String(message.webhookTimestamp),
      'webhook-signature': message.signatures.join(' '),
    });
  } finally {
    vi.useRealTimers();
  }
}
