import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RESPONSE_BODY_LIMIT, sendWebhook } from './http-sender.ts';

let server: Server;
let base: string;
const seen: { url: string; headers: IncomingHttpHeaders; body: string }[] = [];

beforeAll(async () => {
  server = createServer((req, res) => {
    let body = '';
    req.on('data', (c) => {
      body += c;
    });
    req.on('end', () => {
      seen.push({ url: req.url ?? '', headers: req.headers, body });
      if (req.url === '/big') {
        res.writeHead(200);
        res.end('x'.repeat(100_000));
      } else if (req.url === '/redirect') {
        res.writeHead(302, { location: '/ok' });
        res.end();
      } else if (req.url === '/created') {
        res.writeHead(201);
        res.end();
      } else {
        res.writeHead(200);
        res.end('ok');
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

const headers = { 'webhook-id': 'evt_1', 'webhook-timestamp': '1', 'webhook-signature': 'v1,x' };
const send = (path: string) =>
  sendWebhook({
    url: `${base}${path}`,
    headers,
    body: '{"a":1}',
    timeoutMs: 5000,
    allowLoopback: true,
  });

describe('sendWebhook', () => {
  it('posts the body as JSON with the three webhook headers', async () => {
    const outcome = await send('/ok');
    expect(outcome).toMatchObject({ statusCode: 200, responseBody: 'ok', error: null });
    const req = seen.at(-1)!;
    expect(req.body).toBe('{"a":1}');
    expect(req.headers).toMatchObject({
      'content-type': 'application/json',
      'webhook-id': 'evt_1',
      'webhook-timestamp': '1',
      'webhook-signature': 'v1,x',
      'user-agent': 'Dunner-Webhooks/1.0',
    });
  });

  it('keeps only the first 2,048 characters of a long answer', async () => {
    const outcome = await send('/big');
    expect(outcome.statusCode).toBe(200);
    expect(outcome.responseBody).toHaveLength(RESPONSE_BODY_LIMIT);
  });

  it('does not follow a redirect: the 302 is the answer', async () => {
    const before = seen.length;
    const outcome = await send('/redirect');
    expect(outcome.statusCode).toBe(302);
    expect(seen.length).toBe(before + 1);
  });

  it('reads an empty answer as an empty body', async () => {
    expect(await send('/created')).toMatchObject({ statusCode: 201, responseBody: '' });
  });
});
