// The address check at send time, against local servers that count every connection: a refused
// address is never connected to, and the connection goes to exactly the address checked.
import { createServer as createHttpServer, type IncomingHttpHeaders } from 'node:http';
import { type AddressInfo, createServer as createTcpServer, type Server } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type OutboundPost, postOutbound, type Resolver } from './outbound-http.ts';

const STRICT = { allowLoopback: false };
const LOOPBACK_OK = { allowLoopback: true };

let tcp: Server;
let tcpPort: number;
let connections = 0;
let firstBytes = '';
let http: ReturnType<typeof createHttpServer>;
let httpPort: number;
const requests: { host: string | undefined; headers: IncomingHttpHeaders }[] = [];

beforeAll(async () => {
  tcp = createTcpServer((socket) => {
    connections++;
    socket.once('data', (chunk) => {
      firstBytes = chunk.toString('latin1');
      socket.destroy();
    });
  });
  await new Promise<void>((resolve) => tcp.listen(0, '127.0.0.1', resolve));
  tcpPort = (tcp.address() as AddressInfo).port;
  http = createHttpServer((req, res) => {
    requests.push({ host: req.headers.host, headers: req.headers });
    req.resume();
    req.on('end', () => res.end('ok'));
  });
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
  httpPort = (http.address() as AddressInfo).port;
});
afterAll(async () => {
  await new Promise<void>((resolve) => tcp.close(() => resolve()));
  http.closeAllConnections();
  await new Promise<void>((resolve) => http.close(() => resolve()));
});
beforeEach(() => {
  connections = 0;
  firstBytes = '';
  requests.length = 0;
});

/** Answers each lookup with the next list, and counts the lookups. */
function scriptedResolver(...answers: string[][]): Resolver & { calls: number } {
  const resolver = Object.assign(
    async (_hostname: string) => {
      const answer = answers[Math.min(resolver.calls++, answers.length - 1)]!;
      return answer.map((address) => ({ address, family: address.includes(':') ? 6 : 4 }));
    },
    { calls: 0 },
  );
  return resolver;
}

const post = (over: Partial<OutboundPost> & Pick<OutboundPost, 'url'>) =>
  postOutbound({
    headers: { 'content-type': 'application/json' },
    body: '{}',
    timeoutMs: 5000,
    responseLimit: 1000,
    policy: STRICT,
    ...over,
  });

describe('postOutbound refuses before connecting', () => {
  it.each([
    [['127.0.0.1'], 'not sent: hooks.example resolves to 127.0.0.1, a loopback address'],
    [
      ['169.254.169.254'],
      'not sent: hooks.example resolves to 169.254.169.254, a cloud metadata address',
    ],
    [['10.0.0.1'], 'not sent: hooks.example resolves to 10.0.0.1, a private address'],
    [
      ['::ffff:127.0.0.1'],
      'not sent: hooks.example resolves to ::ffff:7f00:1 (IPv4-mapped 127.0.0.1), a loopback address',
    ],
    // One bad answer among good ones refuses the name: the connection could go to either.
    [
      ['93.184.216.34', '127.0.0.1'],
      'not sent: hooks.example resolves to 127.0.0.1, a loopback address',
    ],
  ])('a name that resolves to %j: %s, and no connection', async (answer, why) => {
    const outcome = await post({
      url: `https://hooks.example:${tcpPort}/in`,
      resolve: scriptedResolver(answer),
    });
    expect(outcome).toEqual({ kind: 'refused', why });
    expect(connections).toBe(0);
  });

  it.each([
    [`http://127.0.0.1:PORT/in`],
    [`http://0x7f000001:PORT/in`],
    [`http://[::ffff:127.0.0.1]:PORT/in`],
    [`http://localhost:PORT/in`],
  ])('a URL on this machine (%s) in a strict policy, and no connection', async (url) => {
    const resolver = scriptedResolver(['127.0.0.1']);
    const outcome = await post({ url: url.replace('PORT', String(tcpPort)), resolve: resolver });
    expect(outcome.kind).toBe('refused');
    expect(connections).toBe(0);
    expect(resolver.calls).toBe(0);
  });

  it('a private address even where loopback is allowed', async () => {
    const outcome = await post({
      url: `https://hooks.example:${tcpPort}/in`,
      policy: LOOPBACK_OK,
      resolve: scriptedResolver(['192.168.1.1']),
    });
    expect(outcome).toEqual({
      kind: 'refused',
      why: 'not sent: hooks.example resolves to 192.168.1.1, a private address',
    });
  });
});

describe('postOutbound connects to the address it checked', () => {
  it('resolves once: a name that rebinds to a metadata address after the check is never asked again', async () => {
    const resolver = scriptedResolver(['127.0.0.1'], ['169.254.169.254']);
    const first = await post({
      url: `http://rebind.example:${httpPort}/in`,
      policy: LOOPBACK_OK,
      resolve: resolver,
    });
    expect(first).toEqual({ kind: 'answered', status: 200, body: 'ok' });
    expect(resolver.calls).toBe(1);
    expect(requests).toEqual([expect.objectContaining({ host: `rebind.example:${httpPort}` })]);

    const second = await post({
      url: `http://rebind.example:${httpPort}/in`,
      policy: LOOPBACK_OK,
      resolve: resolver,
    });
    expect(second).toEqual({
      kind: 'refused',
      why: 'not sent: rebind.example resolves to 169.254.169.254, a cloud metadata address',
    });
    expect(requests).toHaveLength(1);
  });

  it('sends TLS SNI for the host name while connecting to the pinned address', async () => {
    const outcome = await post({
      url: `https://pinned.example:${tcpPort}/in`,
      policy: LOOPBACK_OK,
      resolve: scriptedResolver(['127.0.0.1']),
    });
    // The server hangs up after the ClientHello, whose server_name is in plain text.
    expect(outcome.kind).toBe('unanswered');
    expect(connections).toBe(1);
    expect(firstBytes).toContain('pinned.example');
  });

  it('does not follow a redirect', async () => {
    const redirecting = createHttpServer((_req, res) => {
      res.writeHead(302, { location: `http://127.0.0.1:${httpPort}/in` });
      res.end();
    });
    await new Promise<void>((resolve) => redirecting.listen(0, '127.0.0.1', resolve));
    const port = (redirecting.address() as AddressInfo).port;
    const outcome = await post({ url: `http://127.0.0.1:${port}/`, policy: LOOPBACK_OK });
    redirecting.closeAllConnections();
    await new Promise<void>((resolve) => redirecting.close(() => resolve()));
    expect(outcome).toMatchObject({ kind: 'answered', status: 302 });
    expect(requests).toHaveLength(0);
  });
});
