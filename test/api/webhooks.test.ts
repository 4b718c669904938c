// /v1/webhook_endpoints and /v1/webhook_deliveries through inject(): endpoints with their secret
// shown once, filters, rotation, the delivery log, replay, the test ping, and tenant isolation.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { insertWebhookEndpoint } from '../../src/adapters/db/webhooks.repo.ts';
import { dispatchDueWebhooks } from '../../src/app/webhooks/dispatch.ts';
import { createWebhookEndpoint } from '../../src/app/webhooks/endpoints.ts';
import { type ApiWorld, createApiWorld } from '../support/api.ts';
import { at } from '../support/world.ts';
import { type Receiver, startReceiver, verifyWith } from '../webhooks/receiver.ts';

let w: ApiWorld;
let hooks: Receiver;
let other: { merchantId: string; key: string };
beforeAll(async () => {
  w = await createApiWorld({ start: at('2026-03-01T00:00:00Z') });
  hooks = await startReceiver();
  other = await w.otherMerchant();
});
afterAll(async () => {
  await hooks.close();
  await w.close();
});

const dispatch = () =>
  dispatchDueWebhooks(w.services, { limit: 100, workerId: 'wrk_api', leaseMs: 60_000 });

async function createEndpoint(body: Record<string, unknown> = {}, key?: string) {
  const res = await w.api('POST', '/v1/webhook_endpoints', {
    body: { url: hooks.url, enabled_events: ['*'], ...body },
    ...(key ? { key } : {}),
  });
  expect(res.status).toBe(201);
  return res.body as { id: string; secret: string } & Record<string, unknown>;
}

const endpointCount = async () =>
  (await w.db.selectFrom('webhook_endpoints').select('endpoint_id').execute()).length;

describe('POST /v1/webhook_endpoints', () => {
  it('creates an endpoint and shows its signing secret once', async () => {
    const res = await w.api('POST', '/v1/webhook_endpoints', {
      body: {
        url: hooks.url,
        description: 'Billing service',
        enabled_events: ['payment.failed', 'dunning.*'],
      },
    });
    expect(res.status).toBe(201);
    expect(res.body).toEqual({
      id: expect.stringMatching(/^we_/),
      object: 'webhook_endpoint',
      url: hooks.url,
      description: 'Billing service',
      enabled_events: ['payment.failed', 'dunning.*'],
      status: 'enabled',
      disabled_reason: null,
      disabled_at: null,
      previous_secret_expires_at: null,
      created_at: expect.any(String),
      updated_at: expect.any(String),
      secret: expect.stringMatching(/^whsec_[A-Za-z0-9+/]{43}=$/),
    });
    const got = await w.api('GET', `/v1/webhook_endpoints/${res.body.id}`);
    expect(got.status).toBe(200);
    const { secret: _secret, ...withoutSecret } = res.body;
    expect(got.body).toEqual(withoutSecret);
    expect(JSON.stringify(got.body)).not.toContain('whsec_');
  });

  it.each([
    [{ url: 'http://example.com/hooks' }, 'url', 'https'],
    [{ url: 'not a url' }, 'url', 'valid absolute URL'],
    [
      { enabled_events: ['payment.failed', 'payment.faild'] },
      'enabled_events[1]',
      'not a webhook event type',
    ],
    [
      { enabled_events: ['dunning_case.decision'] },
      'enabled_events[0]',
      'not a webhook event type',
    ],
    [{ enabled_events: [] }, 'enabled_events', ''],
    [{ enabled_events: 'payment.failed' }, 'enabled_events', ''],
    [{ description: 'x'.repeat(501) }, 'description', ''],
    [{ secret: 'whsec_mine' }, 'secret', ''],
  ])('refuses %j with invalid_field on %s, creating nothing', async (change, field, words) => {
    const before = await endpointCount();
    const res = await w.api('POST', '/v1/webhook_endpoints', {
      body: { url: hooks.url, enabled_events: ['*'], ...change },
    });
    expect(res.status).toBe(400);
    expect(res.body.error).toMatchObject({ code: 'invalid_field', field });
    expect(res.body.error.message).toContain(words);
    expect(await endpointCount()).toBe(before);
  });

  it('refuses a NUL character in any field with 400, never a server error', async () => {
    const before = await endpointCount();
    const e = await createEndpoint();
    const calls: [string, string, { body?: unknown; query?: Record<string, string> }][] = [
      [
        'POST',
        '/v1/webhook_endpoints',
        { body: { url: hooks.url, enabled_events: ['*'], description: 'a\u0000b' } },
      ],
      [
        'POST',
        '/v1/webhook_endpoints',
        { body: { url: hooks.url, enabled_events: ['pay\u0000ment.failed'] } },
      ],
      ['POST', `/v1/webhook_endpoints/${e.id}`, { body: { description: '\u0000' } }],
      ['GET', '/v1/webhook_endpoints/we_%00x', {}],
      ['GET', '/v1/webhook_endpoints', { query: { starting_after: 'we_\u0000' } }],
      [
        'GET',
        `/v1/webhook_endpoints/${e.id}/deliveries`,
        { query: { starting_after: 'whd_\u0000' } },
      ],
      ['POST', '/v1/webhook_deliveries/whd_%00/replay', {}],
    ];
    for (const [method, url, call] of calls) {
      const res = await w.api(method, url, call);
      expect(res.status, `${method} ${url}`).toBe(400);
      expect(res.body.error.code).toBe('invalid_field');
    }
    expect(await endpointCount()).toBe(before + 1);
  });

  it('refuses a request without url or enabled_events', async () => {
    for (const body of [{ enabled_events: ['*'] }, { url: hooks.url }]) {
      const res = await w.api('POST', '/v1/webhook_endpoints', { body });
      expect(res.status).toBe(400);
      expect(res.body.error.code).toBe('invalid_field');
    }
  });

  it('allows http to localhost in test mode only', async () => {
    const live = await w.otherMerchant('live');
    const refused = await w.api('POST', '/v1/webhook_endpoints', {
      key: live.key,
      body: { url: 'http://127.0.0.1:9/hooks', enabled_events: ['*'] },
    });
    expect(refused.status).toBe(400);
    expect(refused.body.error).toMatchObject({ code: 'invalid_field', field: 'url' });
    expect(refused.body.error.message).toContain('live mode');
    const https = await w.api('POST', '/v1/webhook_endpoints', {
      key: live.key,
      body: { url: 'https://hooks.example.com/dunner', enabled_events: ['*'] },
    });
    expect(https.status).toBe(201);
  });

  it('stops at 16 endpoints per merchant', async () => {
    const crowded = await w.otherMerchant();
    for (let i = 0; i < 16; i++) await createEndpoint({}, crowded.key);
    const res = await w.api('POST', '/v1/webhook_endpoints', {
      key: crowded.key,
      body: { url: hooks.url, enabled_events: ['*'] },
    });
    expect(res.status).toBe(409);
    expect(res.body.error.code).toBe('invalid_state');
  });
});

// Found by testing: live merchants could point endpoints at this machine, private networks and
// cloud metadata services, in any spelling of the address.
const UNSAFE_URLS = [
  'https://169.254.169.254/latest/meta-data/',
  'https://127.0.0.1/',
  'https://localhost/',
  'https://[::1]/',
  'https://10.0.0.1/',
  'https://192.168.1.1/',
  'https://metadata.google.internal/',
  'https://0x7f000001/',
  'https://2130706433/',
  'https://127.1/',
  'https://[::ffff:169.254.169.254]/',
  'https://0.0.0.0/',
  'https://[fd00:ec2::254]/',
  'https://100.64.0.1/',
  'http://127.0.0.1:9/hooks',
];

describe('endpoint URLs that reach this machine, a private network or a metadata service', () => {
  it.each(UNSAFE_URLS)('a live merchant gets 400 for %s and nothing is stored', async (url) => {
    const live = await w.otherMerchant('live');
    const before = await endpointCount();
    const res = await w.api('POST', '/v1/webhook_endpoints', {
      key: live.key,
      body: { url, enabled_events: ['*'] },
    });
    expect(res.status).toBe(400);
    expect(res.body.error).toMatchObject({ code: 'invalid_field', field: 'url' });
    expect(res.body.error.message).toMatch(/^url points to .*only public addresses/);
    expect(await endpointCount()).toBe(before);
  });

  it('a live merchant cannot move an endpoint there either', async () => {
    const live = await w.otherMerchant('live');
    const created = await w.api('POST', '/v1/webhook_endpoints', {
      key: live.key,
      body: { url: 'https://hooks.example.com/dunner', enabled_events: ['*'] },
    });
    expect(created.status).toBe(201);
    const res = await w.api('POST', `/v1/webhook_endpoints/${created.body.id}`, {
      key: live.key,
      body: { url: 'https://[::ffff:a9fe:a9fe]/latest/meta-data/' },
    });
    expect(res.status).toBe(400);
    expect(res.body.error).toMatchObject({ code: 'invalid_field', field: 'url' });
    expect(res.body.error.message).toContain(
      '(IPv4-mapped 169.254.169.254), a cloud metadata address',
    );
    const shown = await w.api('GET', `/v1/webhook_endpoints/${created.body.id}`, { key: live.key });
    expect(shown.body.url).toBe('https://hooks.example.com/dunner');
  });

  it('a test merchant reaches loopback only where the deployment allows it', async () => {
    const strictDeployment = {
      db: w.db,
      clock: w.services.clock,
      config: { allowLoopbackUrls: false },
    };
    const refused = await createWebhookEndpoint(strictDeployment, {
      merchantId: w.merchantId,
      url: hooks.url,
      enabledEvents: ['*'],
    });
    expect(refused).toMatchObject({ ok: false, error: { code: 'invalid_field', field: 'url' } });
    expect(!refused.ok && refused.error.message).toContain('DUNNER_ALLOW_LOOPBACK_URLS=true');
    // This world's deployment allows it (test/support/api.ts); private addresses stay refused.
    const allowed = await w.api('POST', '/v1/webhook_endpoints', {
      body: { url: hooks.url, enabled_events: ['*'] },
    });
    expect(allowed.status).toBe(201);
    const privateUrl = await w.api('POST', '/v1/webhook_endpoints', {
      body: { url: 'https://10.0.0.1/x', enabled_events: ['*'] },
    });
    expect(privateUrl.status).toBe(400);
    await w.api('DELETE', `/v1/webhook_endpoints/${allowed.body.id}`);
  });
});

describe('an endpoint stored on this machine before URLs were checked', () => {
  it('is refused at send time for a live merchant: the ping is logged as not sent, and never arrives', async () => {
    const live = await w.otherMerchant('live');
    const endpoint = await insertWebhookEndpoint(w.db, {
      merchant_id: live.merchantId,
      endpoint_id: 'we_stored_loopback',
      url: hooks.url,
      description: '',
      enabled_events: JSON.stringify(['*']),
      status: 'enabled',
      secret: 'whsec_c2VjcmV0LXNlY3JldC1zZWNyZXQ=',
      created_at: w.services.clock.now(),
      updated_at: w.services.clock.now(),
    });
    const before = hooks.received.length;
    const res = await w.api('POST', `/v1/webhook_endpoints/${endpoint.endpoint_id}/test`, {
      key: live.key,
    });
    expect(res.status).toBe(200);
    expect(JSON.stringify(res.body)).toContain(
      'not sent: the URL points to 127.0.0.1, a loopback address',
    );
    expect(hooks.received.length).toBe(before);
  });
});

describe('GET /v1/webhook_endpoints', () => {
  it('lists a merchant’s endpoints newest first, a page at a time', async () => {
    const m = await w.otherMerchant();
    const a = await createEndpoint({ description: 'a' }, m.key);
    const b = await createEndpoint({ description: 'b' }, m.key);
    const c = await createEndpoint({ description: 'c' }, m.key);
    const first = await w.api('GET', '/v1/webhook_endpoints', {
      key: m.key,
      query: { limit: '2' },
    });
    expect(first.status).toBe(200);
    const ids = (
      await w.db
        .selectFrom('webhook_endpoints')
        .select(['endpoint_id', 'created_at'])
        .where('merchant_id', '=', m.merchantId)
        .orderBy('created_at', 'desc')
        .orderBy('endpoint_id', 'desc')
        .execute()
    ).map((r) => r.endpoint_id);
    expect(new Set(ids)).toEqual(new Set([a.id, b.id, c.id]));
    expect(first.body).toMatchObject({ object: 'list', has_more: true, next_cursor: ids[1] });
    expect(first.body.data.map((e: { id: string }) => e.id)).toEqual(ids.slice(0, 2));
    const second = await w.api('GET', '/v1/webhook_endpoints', {
      key: m.key,
      query: { limit: '2', starting_after: first.body.next_cursor },
    });
    expect(second.body).toMatchObject({ has_more: false, next_cursor: null });
    expect(second.body.data.map((e: { id: string }) => e.id)).toEqual(ids.slice(2));
    // Another merchant's list never shows them.
    const mine = await w.api('GET', '/v1/webhook_endpoints', { query: { limit: '100' } });
    expect(mine.body.data.map((e: { id: string }) => e.id)).not.toContain(a.id);
  });

  it('refuses a cursor that is not one of the merchant’s endpoints', async () => {
    const theirs = await createEndpoint({}, other.key);
    const res = await w.api('GET', '/v1/webhook_endpoints', {
      query: { starting_after: theirs.id },
    });
    expect(res.status).toBe(400);
    expect(res.body.error).toMatchObject({ code: 'invalid_field', field: 'starting_after' });
  });
});

describe('POST /v1/webhook_endpoints/:id', () => {
  it('changes the filter and description, and disables and enables the endpoint', async () => {
    const e = await createEndpoint();
    const changed = await w.api('POST', `/v1/webhook_endpoints/${e.id}`, {
      body: { enabled_events: ['payment.*'], description: 'Payments only' },
    });
    expect(changed.status).toBe(200);
    expect(changed.body).toMatchObject({
      enabled_events: ['payment.*'],
      description: 'Payments only',
      status: 'enabled',
    });
    const disabled = await w.api('POST', `/v1/webhook_endpoints/${e.id}`, {
      body: { status: 'disabled' },
    });
    expect(disabled.body).toMatchObject({
      status: 'disabled',
      disabled_reason: 'disabled by the merchant',
      disabled_at: w.services.clock.now().toISOString(),
    });
    const enabled = await w.api('POST', `/v1/webhook_endpoints/${e.id}`, {
      body: { status: 'enabled' },
    });
    expect(enabled.body).toMatchObject({
      status: 'enabled',
      disabled_reason: null,
      disabled_at: null,
    });
    const events = (
      await w.db
        .selectFrom('events')
        .select(['type', 'data'])
        .where('merchant_id', '=', w.merchantId)
        .where('type', 'like', 'webhook_endpoint.%')
        .orderBy('event_id')
        .execute()
    ).filter((x) => x.data.webhook_endpoint_id === e.id);
    expect(events.map((x) => x.type)).toEqual([
      'webhook_endpoint.created',
      'webhook_endpoint.updated',
      'webhook_endpoint.disabled',
      'webhook_endpoint.enabled',
    ]);
  });

  it('refuses an empty change, an unknown field and a bad filter, changing nothing', async () => {
    const e = await createEndpoint({ enabled_events: ['payment.failed'] });
    for (const [body, field] of [
      [{}, null],
      [{ secret: 'whsec_x' }, 'secret'],
      [{ enabled_events: ['nope'] }, 'enabled_events[0]'],
      [{ status: 'paused' }, 'status'],
      [{ url: 'ftp://example.com' }, 'url'],
    ] as const) {
      const res = await w.api('POST', `/v1/webhook_endpoints/${e.id}`, { body });
      expect(res.status).toBe(400);
      expect(res.body.error.code).toBe('invalid_field');
      if (field) expect(res.body.error.field).toBe(field);
    }
    const got = await w.api('GET', `/v1/webhook_endpoints/${e.id}`);
    expect(got.body.enabled_events).toEqual(['payment.failed']);
    expect(got.body.updated_at).toBe(e.updated_at);
  });
});

describe('POST /v1/webhook_endpoints/:id/rotate_secret and /test', () => {
  it('a ping reaches the endpoint signed; after a rotation it carries the old and new signatures', async () => {
    const e = await createEndpoint({ enabled_events: ['payment.failed'] });
    const before = hooks.received.length;
    const ping = await w.api('POST', `/v1/webhook_endpoints/${e.id}/test`);
    expect(ping.status).toBe(200);
    expect(ping.body).toMatchObject({
      object: 'webhook_delivery',
      endpoint_id: e.id,
      event_id: null,
      webhook_id: expect.stringMatching(/^msg_/),
      event_type: 'webhook_endpoint.pinged',
      status: 'succeeded',
      attempt_count: 1,
      next_attempt_at: null,
      payload: { type: 'webhook_endpoint.pinged', data: { webhook_endpoint_id: e.id } },
      attempts: [
        {
          attempt_number: 1,
          trigger: 'test',
          status_code: 200,
          succeeded: true,
          response_body: 'ok',
        },
      ],
    });
    const received = hooks.received[before]!;
    expect(received.webhookId).toBe(ping.body.webhook_id);
    expect(verifyWith(e.secret, received, w.services.clock.now())).toEqual(ping.body.payload);

    const rotated = await w.api('POST', `/v1/webhook_endpoints/${e.id}/rotate_secret`);
    expect(rotated.status).toBe(200);
    expect(rotated.body.secret).toMatch(/^whsec_/);
    expect(rotated.body.secret).not.toBe(e.secret);
    expect(rotated.body.previous_secret_expires_at).toBe(
      new Date(w.services.clock.now().getTime() + 24 * 3_600_000).toISOString(),
    );
    await w.api('POST', `/v1/webhook_endpoints/${e.id}/test`, { body: {} });
    const afterRotation = hooks.received[before + 1]!;
    expect(afterRotation.signatures).toHaveLength(2);
    expect(verifyWith(rotated.body.secret, afterRotation, w.services.clock.now())).toBeTruthy();
    expect(verifyWith(e.secret, afterRotation, w.services.clock.now())).toBeTruthy();
  });
});

describe('deliveries', () => {
  it('lists an endpoint’s deliveries with their attempts, filters by status, and replays one', async () => {
    const own = await startReceiver();
    const e = await createEndpoint({
      url: own.url,
      enabled_events: ['payment.failed', 'dunning.started'],
    });
    // The receiver fails the first message (payment.failed) and takes the second.
    own.answer([500], 200);
    const sub = await w.subscribe({
      card: 'insufficient_funds',
      periodStart: at('2026-02-05T10:00:00Z'),
    });
    await w.advanceTo(at('2026-03-05T11:00:00Z'));
    await dispatch();
    expect(own.types()).toEqual(['payment.failed', 'dunning.started']);

    const list = await w.api('GET', `/v1/webhook_endpoints/${e.id}/deliveries`);
    expect(list.status).toBe(200);
    expect(list.body.data.map((d: { event_type: string }) => d.event_type)).toEqual([
      'dunning.started',
      'payment.failed',
    ]);
    const [started, failed] = list.body.data;
    expect(failed).toMatchObject({
      status: 'pending',
      event_id: expect.stringMatching(/^evt_\d+$/),
      attempt_count: 1,
      last_status_code: 500,
      last_error: 'answered HTTP 500',
      next_attempt_at: expect.any(String),
      payload: { type: 'payment.failed', data: { subscription_id: sub, amount_in_cents: 2000 } },
      attempts: [{ attempt_number: 1, trigger: 'scheduled', status_code: 500, succeeded: false }],
    });
    expect(failed.webhook_id).toBe(failed.event_id);
    expect(started).toMatchObject({ status: 'succeeded', next_attempt_at: null });

    const pending = await w.api('GET', `/v1/webhook_endpoints/${e.id}/deliveries`, {
      query: { status: 'pending' },
    });
    expect(pending.body.data.map((d: { id: string }) => d.id)).toEqual([failed.id]);
    const page1 = await w.api('GET', `/v1/webhook_endpoints/${e.id}/deliveries`, {
      query: { limit: '1' },
    });
    expect(page1.body).toMatchObject({ has_more: true, next_cursor: started.id });
    const page2 = await w.api('GET', `/v1/webhook_endpoints/${e.id}/deliveries`, {
      query: { limit: '1', starting_after: page1.body.next_cursor },
    });
    expect(page2.body.data.map((d: { id: string }) => d.id)).toEqual([failed.id]);
    expect(page2.body.has_more).toBe(false);

    const one = await w.api('GET', `/v1/webhook_deliveries/${failed.id}`);
    expect(one.body).toEqual(failed);

    const replay = await w.api('POST', `/v1/webhook_deliveries/${failed.id}/replay`);
    expect(replay.status).toBe(200);
    expect(replay.body).toMatchObject({
      id: failed.id,
      webhook_id: failed.webhook_id,
      status: 'succeeded',
      attempt_count: 2,
      next_attempt_at: null,
    });
    expect(
      replay.body.attempts.map((a: { trigger: string; status_code: number }) => [
        a.trigger,
        a.status_code,
      ]),
    ).toEqual([
      ['scheduled', 500],
      ['replay', 200],
    ]);
    expect(own.received.map((m) => m.webhookId)).toEqual([
      failed.webhook_id,
      started.webhook_id,
      failed.webhook_id,
    ]);
    await own.close();
  });

  it('refuses bad list queries', async () => {
    const e = await createEndpoint();
    const queries: Record<string, string>[] = [
      { status: 'lost' },
      { limit: '0' },
      { limit: '101' },
      { starting_after: 'whd_nope' },
    ];
    for (const query of queries) {
      const res = await w.api('GET', `/v1/webhook_endpoints/${e.id}/deliveries`, { query });
      expect(res.status).toBe(400);
      expect(res.body.error.code).toBe('invalid_field');
    }
  });

  it('will not replay to a disabled endpoint', async () => {
    const e = await createEndpoint();
    const ping = await w.api('POST', `/v1/webhook_endpoints/${e.id}/test`);
    await w.api('POST', `/v1/webhook_endpoints/${e.id}`, { body: { status: 'disabled' } });
    const res = await w.api('POST', `/v1/webhook_deliveries/${ping.body.id}/replay`);
    expect(res.status).toBe(409);
    expect(res.body.error.code).toBe('invalid_state');
  });
});

describe('DELETE /v1/webhook_endpoints/:id', () => {
  it('deletes the endpoint and its delivery log', async () => {
    const e = await createEndpoint();
    const ping = await w.api('POST', `/v1/webhook_endpoints/${e.id}/test`);
    const res = await w.api('DELETE', `/v1/webhook_endpoints/${e.id}`);
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ id: e.id, object: 'webhook_endpoint', deleted: true });
    expect((await w.api('GET', `/v1/webhook_endpoints/${e.id}`)).status).toBe(404);
    expect((await w.api('GET', `/v1/webhook_deliveries/${ping.body.id}`)).status).toBe(404);
    expect((await w.api('DELETE', `/v1/webhook_endpoints/${e.id}`)).status).toBe(404);
  });
});

describe('tenant isolation', () => {
  it('another merchant’s key gets 404 on every route that takes an id, and changes nothing', async () => {
    const e = await createEndpoint({ enabled_events: ['payment.failed'], description: 'mine' });
    const ping = await w.api('POST', `/v1/webhook_endpoints/${e.id}/test`);
    const received = hooks.received.length;
    const endpointBefore = await w.db
      .selectFrom('webhook_endpoints')
      .selectAll()
      .where('endpoint_id', '=', e.id)
      .executeTakeFirstOrThrow();
    const attemptsBefore = (
      await w.db.selectFrom('webhook_delivery_attempts').selectAll().execute()
    ).length;

    const calls: [string, string, unknown?][] = [
      ['GET', `/v1/webhook_endpoints/${e.id}`],
      ['POST', `/v1/webhook_endpoints/${e.id}`, { description: 'theirs', status: 'disabled' }],
      ['POST', `/v1/webhook_endpoints/${e.id}/rotate_secret`],
      ['POST', `/v1/webhook_endpoints/${e.id}/test`],
      ['GET', `/v1/webhook_endpoints/${e.id}/deliveries`],
      ['GET', `/v1/webhook_deliveries/${ping.body.id}`],
      ['POST', `/v1/webhook_deliveries/${ping.body.id}/replay`],
      ['DELETE', `/v1/webhook_endpoints/${e.id}`],
    ];
    for (const [method, url, body] of calls) {
      const res = await w.api(method, url, { key: other.key, ...(body ? { body } : {}) });
      expect(res.status, `${method} ${url}`).toBe(404);
      expect(res.body.error.code).toBe('not_found');
      expect(JSON.stringify(res.body)).not.toContain('mine');
    }
    const endpointAfter = await w.db
      .selectFrom('webhook_endpoints')
      .selectAll()
      .where('endpoint_id', '=', e.id)
      .executeTakeFirstOrThrow();
    expect(endpointAfter).toEqual(endpointBefore);
    expect(hooks.received.length).toBe(received);
    expect((await w.db.selectFrom('webhook_delivery_attempts').selectAll().execute()).length).toBe(
      attemptsBefore,
    );
    // The owner still has it all.
    expect((await w.api('GET', `/v1/webhook_deliveries/${ping.body.id}`)).status).toBe(200);
  });
});

describe('the API reference', () => {
  it('documents every webhook route with its schemas', async () => {
    await w.app.ready();
    const doc = w.app.swagger() as unknown as {
      paths: Record<string, Record<string, { responses: object }>>;
    };
    const expected: [string, string][] = [
      ['/v1/webhook_endpoints', 'post'],
      ['/v1/webhook_endpoints', 'get'],
      ['/v1/webhook_endpoints/{id}', 'get'],
      ['/v1/webhook_endpoints/{id}', 'post'],
      ['/v1/webhook_endpoints/{id}', 'delete'],
      ['/v1/webhook_endpoints/{id}/rotate_secret', 'post'],
      ['/v1/webhook_endpoints/{id}/test', 'post'],
      ['/v1/webhook_endpoints/{id}/deliveries', 'get'],
      ['/v1/webhook_deliveries/{id}', 'get'],
      ['/v1/webhook_deliveries/{id}/replay', 'post'],
    ];
    for (const [path, method] of expected) {
      const op = doc.paths[path]?.[method];
      expect(op, `${method} ${path}`).toBeDefined();
      expect(Object.keys(op!.responses)).toEqual(expect.arrayContaining(['404']));
    }
  });
});
