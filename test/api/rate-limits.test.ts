// Rate limits and request ids, as a client and an operator see them: a key that sends too fast
// gets 429 with Retry-After while another key goes on; failed sign-ins are limited per address and
// method, in the API and on the dashboard's form; a 500 names the request id of its log line.
import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApiKey } from '../../src/app/access/api-keys.ts';
import { createOperator } from '../../src/app/access/sessions.ts';
import { buildApp } from '../../src/app/http/app.ts';
import { SIGN_IN_PATH } from '../../src/app/http/site/dashboard.ts';
import { unwrap } from '../../src/app/result.ts';
import { type ApiWorld, createApiWorld } from '../support/api.ts';

const PER_SECOND = 5;
const FAILURES = 3;

let w: ApiWorld;

beforeAll(async () => {
  w = await createApiWorld({
    rateLimits: { apiRequestsPerSecond: PER_SECOND, signInFailures: FAILURES },
  });
  unwrap(
    await createOperator(w.db, {
      merchantId: w.merchantId,
      email: 'ops@limits.example',
      password: 'a long operator password',
    }),
  );
});
afterAll(() => w.close());

const statuses = (responses: { status: number }[]) => responses.map((r) => r.status).sort();

function signIn(form: Record<string, string>, remoteAddress = '203.0.113.7') {
  return w.app.inject({
    method: 'POST',
    url: SIGN_IN_PATH,
    remoteAddress,
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    payload: new URLSearchParams(form).toString(),
  });
}

describe('per API key', () => {
  it(`answers 429 with Retry-After past ${PER_SECOND} requests in a second, for that key only`, async () => {
    const { key: otherKey } = await createApiKey(w.db, { merchantId: w.merchantId });
    const burst = await Promise.all(
      Array.from({ length: 2 * PER_SECOND }, () => w.api('GET', '/v1/customers')),
    );
    expect(statuses(burst)).toEqual([
      ...Array(PER_SECOND).fill(200),
      ...Array(PER_SECOND).fill(429),
    ]);
    const limited = burst.find((r) => r.status === 429)!;
    expect(limited.body.error.code).toBe('rate_limited');
    expect(limited.body.error.message).toContain(`more than ${PER_SECOND} requests in a second`);
    expect(Number(limited.headers['retry-after'])).toBeGreaterThanOrEqual(1);
    expect(Number(limited.headers['retry-after'])).toBeLessThanOrEqual(1);

    // Another key of the same merchant has its own budget.
    expect((await w.api('GET', '/v1/customers', { key: otherKey })).status).toBe(200);

    // After the wait, the first key is served again.
    await new Promise((r) => setTimeout(r, 1100));
    expect((await w.api('GET', '/v1/customers')).status).toBe(200);
  });

  it('a limited request changes nothing', async () => {
    await new Promise((r) => setTimeout(r, 1100));
    const body = (i: number) => ({ name: `Burst ${i}`, email: `burst${i}@example.com` });
    const burst = await Promise.all(
      Array.from({ length: 2 * PER_SECOND }, (_, i) =>
        w.api('POST', '/v1/customers', { body: body(i) }),
      ),
    );
    const created = burst.filter((r) => r.status === 201).length;
    expect(created).toBe(PER_SECOND);
    await new Promise((r) => setTimeout(r, 1100));
    const list = await w.api('GET', '/v1/customers', { query: { limit: '100' } });
    const emails = list.body.data.map((c: { email: string }) => c.email);
    expect(emails.filter((e: string) => e.startsWith('burst'))).toHaveLength(created);
  });
});

describe('failed sign-ins per address and method', () => {
  it(`after ${FAILURES} API keys that are not valid, the address gets 429 for API keys, even a right one`, async () => {
    const from = { remoteAddress: '198.51.100.20' };
    for (let i = 0; i < FAILURES; i++) {
      const res = await w.app.inject({
        method: 'GET',
        url: '/v1/customers',
        ...from,
        headers: { authorization: `Bearer dk_test_guess${i}` },
      });
      expect(res.statusCode).toBe(401);
    }
    const blocked = await w.app.inject({
      method: 'GET',
      url: '/v1/customers',
      ...from,
      headers: { authorization: `Bearer ${w.key}` },
    });
    expect(blocked.statusCode).toBe(429);
    expect(blocked.json().error).toMatchObject({ code: 'rate_limited', field: 'Authorization' });
    const wait = Number(blocked.headers['retry-after']);
    expect(wait).toBeGreaterThan(14 * 60);
    expect(wait).toBeLessThanOrEqual(15 * 60);

    // The dashboard's API-key form is the same method from the same address: paused too.
    const form = await signIn({ method: 'api_key', api_key: w.key }, from.remoteAddress);
    expect(form.statusCode).toBe(429);
    expect(form.headers['retry-after']).toBeDefined();
    expect(form.body).toContain('Too many failed sign-ins with an API key from this address');

    // Another address is not affected, nor is the password method of this one.
    const elsewhere = await w.app.inject({
      method: 'GET',
      url: '/v1/customers',
      remoteAddress: '198.51.100.21',
      headers: { authorization: `Bearer ${w.key}` },
    });
    expect(elsewhere.statusCode).toBe(200);
    const password = await signIn(
      { method: 'password', email: 'ops@limits.example', password: 'a long operator password' },
      from.remoteAddress,
    );
    expect(password.statusCode).toBe(303);
  });

  it(`after ${FAILURES} wrong passwords from one address, its password sign-ins get 429`, async () => {
    const address = '192.0.2.44';
    // Different emails: the operator's own pause (10 in a row) is not what answers here.
    for (let i = 0; i < FAILURES; i++) {
      const res = await signIn(
        { method: 'password', email: `nobody${i}@limits.example`, password: 'guess' },
        address,
      );
      expect(res.statusCode).toBe(401);
    }
    const blocked = await signIn(
      { method: 'password', email: 'ops@limits.example', password: 'a long operator password' },
      address,
    );
    expect(blocked.statusCode).toBe(429);
    expect(blocked.body).toContain('Too many failed sign-ins with a password from this address');
    expect(blocked.headers['set-cookie']).toBeUndefined();

    const apiKey = await signIn({ method: 'api_key', api_key: w.key }, address);
    expect(apiKey.statusCode).toBe(303);
  });
});

describe('request ids', () => {
  it('every answer has X-Request-Id; a proxy’s own id is kept', async () => {
    const res = await w.api('GET', '/v1/merchant');
    expect(String(res.headers['x-request-id'])).toMatch(/^req_[0-9a-f]{16}$/);
    const passed = await w.api('GET', '/v1/merchant', {
      headers: { 'x-request-id': 'lb-7f3a9c21-0001' },
    });
    expect(passed.headers['x-request-id']).toBe('lb-7f3a9c21-0001');
  });

  it('a 500 carries the request id of the log line that records it', async () => {
    const lines: Record<string, unknown>[] = [];
    const stream = new Writable({
      write(chunk, _enc, done) {
        for (const line of String(chunk).split('\n').filter(Boolean)) lines.push(JSON.parse(line));
        done();
      },
    });
    // A database that fails every query, as when its connection drops mid-request.
    const broken = new Proxy(w.db, {
      get() {
        throw new Error('Connection terminated unexpectedly');
      },
    });
    const app = buildApp({
      services: { ...w.services, db: broken },
      databaseKind: 'pglite',
      logger: { level: 'info', stream },
    });
    try {
      const res = await app.inject({
        method: 'GET',
        url: '/v1/customers',
        headers: { authorization: `Bearer ${w.key}` },
      });
      expect(res.statusCode).toBe(500);
      const body = res.json();
      expect(body.error.code).toBe('internal_error');
      expect(body.error.request_id).toBe(res.headers['x-request-id']);
      const failed = lines.find((l) => l.msg === 'request failed');
      expect(failed).toMatchObject({ level: 50, reqId: body.error.request_id });
      expect((failed!.err as { message: string }).message).toBe(
        'Connection terminated unexpectedly',
      );
      // One line per request, with its status and route pattern, and no key in the log.
      expect(lines.find((l) => l.msg === 'request')).toMatchObject({
        reqId: body.error.request_id,
        status: 500,
        route: '/v1/customers',
      });
      expect(JSON.stringify(lines)).not.toContain(w.key);
    } finally {
      await app.close();
    }
  });
});
