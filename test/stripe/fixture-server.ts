// A local stand-in for api.stripe.com that answers with the JSON fixtures in test/fixtures/stripe/.
// The real SDK talks to it over HTTP (host, port, protocol options), so its own request and error
// handling is exercised. Like Stripe, it answers a repeated idempotency key with the first answer.
import { readFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import path from 'node:path';
import type Stripe from 'stripe';
import type { StripeClientOptions } from '../../src/adapters/gateways/stripe/client.ts';

const FIXTURES = path.resolve('test/fixtures/stripe');

export type Recording = {
  api_version: string;
  request: { method: string; path: string };
  response: { status: number; headers: Record<string, string>; body: unknown };
};

export function loadRecording(name: string): Recording {
  return JSON.parse(readFileSync(path.join(FIXTURES, `${name}.json`), 'utf8')) as Recording;
}

/** A webhook event fixture, with fields replaced (ids, times, metadata) for one test. */
export function loadEvent<T extends Stripe.Event = Stripe.Event>(name: string): T {
  return JSON.parse(readFileSync(path.join(FIXTURES, `event.${name}.json`), 'utf8')) as T;
}

export type ReceivedRequest = {
  method: string;
  path: string;
  query: URLSearchParams;
  headers: http.IncomingHttpHeaders;
  form: URLSearchParams;
};

type Answer =
  | { kind: 'recording'; recording: Recording }
  /** Books the answer for its key and never sends it: the charge happened, the client times out. */
  | { kind: 'lose'; recording: Recording }
  /** Never answers: the client times out. */
  | { kind: 'hang' };

export type StripeServer = {
  readonly requests: ReceivedRequest[];
  /** Requests Stripe would have acted on: first sends of a key, not replays. */
  readonly created: ReceivedRequest[];
  /** SDK options that send every request here. */
  readonly clientOptions: StripeClientOptions;
  /** Answers the recording's route with it (until answered otherwise). */
  answer(recording: Recording | string): void;
  /** Answers the next request on the recording's route with it, then the route's standing answer. */
  answerOnce(recording: Recording | string): void;
  /** Requests on the recording's route book it as the answer to their key, which never arrives. */
  loseAnswers(recording: Recording | string): void;
  hang(method: string, path: string): void;
  close(): Promise<void>;
};

export async function startStripeServer(): Promise<StripeServer> {
  const routes = new Map<string, Answer>();
  const once = new Map<string, Recording>();
  const replies = new Map<string, Recording>();
  const requests: ReceivedRequest[] = [];
  const created: ReceivedRequest[] = [];
  const sockets = new Set<Socket>();

  const server = http.createServer((req, res) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (chunk: string) => {
      body += chunk;
    });
    req.on('end', () => {
      const url = new URL(req.url ?? '/', 'http://stripe.test');
      const received: ReceivedRequest = {
        method: req.method ?? 'GET',
        path: url.pathname,
        query: url.searchParams,
        headers: req.headers,
        form: new URLSearchParams(body),
      };
      requests.push(received);
      const key =
        typeof req.headers['idempotency-key'] === 'string' ? req.headers['idempotency-key'] : null;
      const replayed = key ? replies.get(key) : undefined;
      if (replayed) return send(res, replayed, key, true);

      const route = `${received.method} ${received.path}`;
      const next = once.get(route);
      once.delete(route);
      const answer: Answer | undefined = next
        ? { kind: 'recording', recording: next }
        : routes.get(route);
      if (!answer) return send(res, notFound(received), key, false);
      if (answer.kind === 'hang') return;
      // Stripe saves no result for a request it refused for its rate: nothing was done, and the
      // same key may be sent again.
      if (answer.recording.response.status === 429) return send(res, answer.recording, key, false);
      created.push(received);
      if (key && received.method === 'POST') replies.set(key, answer.recording);
      if (answer.kind === 'lose') return;
      send(res, answer.recording, key, false);
    });
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;

  const recordingOf = (r: Recording | string) => (typeof r === 'string' ? loadRecording(r) : r);
  const routeOf = (r: Recording) => `${r.request.method} ${r.request.path}`;
  return {
    requests,
    created,
    clientOptions: { host: '127.0.0.1', port, protocol: 'http', maxNetworkRetries: 0 },
    answer(r) {
      const recording = recordingOf(r);
      routes.set(routeOf(recording), { kind: 'recording', recording });
    },
    answerOnce(r) {
      const recording = recordingOf(r);
      once.set(routeOf(recording), recording);
    },
    loseAnswers(r) {
      const recording = recordingOf(r);
      routes.set(routeOf(recording), { kind: 'lose', recording });
    },
    hang(method, p) {
      routes.set(`${method} ${p}`, { kind: 'hang' });
    },
    async close() {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

function send(res: http.ServerResponse, r: Recording, key: string | null, replayed: boolean): void {
  res.writeHead(r.response.status, {
    ...r.response.headers,
    ...(key ? { 'idempotency-key': key } : {}),
    ...(replayed ? { 'idempotent-replayed': 'true' } : {}),
  });
  res.end(JSON.stringify(r.response.body));
}

function notFound(req: ReceivedRequest): Recording {
  return {
    api_version: '',
    request: { method: req.method, path: req.path },
    response: {
      status: 404,
      headers: { 'content-type': 'application/json' },
      body: {
        error: {
          message: `Unrecognized request URL (${req.method}: ${req.path}): no fixture answers it.`,
          type: 'invalid_request_error',
        },
      },
    },
  };
}
