// /v1/messages, /v1/metrics/email, /v1/bounces and /v1/customers/:id/channels through inject().
// No SMTP server is configured, so emails are stored and read back through the API.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createMessageWorld, type MessageWorld } from '../messages/support.ts';
import { at } from '../support/world.ts';

let world: MessageWorld;
let other: { merchantId: string; key: string };
let cases: Array<{ subscriptionId: string; customerId: string; caseId: string }>;

beforeAll(async () => {
  world = await createMessageWorld({ config: { smtpUrl: null } });
  cases = [];
  for (const hour of ['10', '11', '12'])
    cases.push(await world.failedRenewal({ failAt: at(`2026-03-02T${hour}:00:00Z`) }));
  await world.dispatch();
  other = await world.otherMerchant();
});
afterAll(async () => {
  await world.close();
});

describe('GET /v1/messages', () => {
  it('lists stored messages newest first, without bodies', async () => {
    const res = await world.api('GET', '/v1/messages');
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ object: 'list', has_more: false, next_cursor: null });
    expect(res.body.data.map((m: { case_id: string }) => m.case_id)).toEqual(
      cases.map((c) => c.caseId).reverse(),
    );
    expect(res.body.data[0]).toMatchObject({
      object: 'message',
      status: 'stored',
      channel: 'email',
      to: 'ada@example.com',
      from: '"Shop" <billing@shop.example>',
      step: 'step_1',
      template: 'first_notice',
      hard_decline: false,
      queued_at: '2026-03-02T12:00:00.000Z',
      stored_at: '2026-03-02T12:00:00.000Z',
    });
    expect(res.body.data[0].subject).toMatch(/payment/i);
    expect(res.body.data[0]).not.toHaveProperty('html');
  });

  it('pages with a cursor', async () => {
    const first = await world.api('GET', '/v1/messages', { query: { limit: '2' } });
    expect(first.body.data).toHaveLength(2);
    expect(first.body.has_more).toBe(true);
    const second = await world.api('GET', '/v1/messages', {
      query: { limit: '2', starting_after: first.body.next_cursor },
    });
    expect(second.body).toMatchObject({ has_more: false, next_cursor: null });
    expect(second.body.data.map((m: { case_id: string }) => m.case_id)).toEqual([cases[0]!.caseId]);
  });

  it('filters by case, customer, status and channel', async () => {
    const byCase = await world.api('GET', '/v1/messages', { query: { case_id: cases[1]!.caseId } });
    expect(byCase.body.data.map((m: { case_id: string }) => m.case_id)).toEqual([cases[1]!.caseId]);
    const byCustomer = await world.api('GET', '/v1/messages', {
      query: { customer_id: cases[2]!.customerId },
    });
    expect(byCustomer.body.data).toHaveLength(1);
    expect(
      (await world.api('GET', '/v1/messages', { query: { status: 'sent' } })).body.data,
    ).toEqual([]);
    expect(
      (await world.api('GET', '/v1/messages', { query: { status: 'stored', channel: 'email' } }))
        .body.data,
    ).toHaveLength(3);
  });

  it('rejects a bad filter, naming it', async () => {
    const res = await world.api('GET', '/v1/messages', { query: { status: 'lost' } });
    expect(res.status).toBe(400);
    expect(res.body.error).toMatchObject({ code: 'invalid_field', field: 'status' });
    const cursor = await world.api('GET', '/v1/messages', {
      query: { starting_after: 'msg_nope' },
    });
    expect(cursor.status).toBe(400);
    expect(cursor.body.error.field).toBe('starting_after');
  });

  it('shows another merchant nothing', async () => {
    const res = await world.api('GET', '/v1/messages', { key: other.key });
    expect(res.body.data).toEqual([]);
  });
});

describe('GET /v1/messages/:id', () => {
  it('returns the bodies and the provider attempts', async () => {
    const [latest] = (await world.api('GET', '/v1/messages')).body.data;
    const res = await world.api('GET', `/v1/messages/${latest.id}`);
    expect(res.status).toBe(200);
    expect(res.body.text).toContain('/pay/');
    expect(res.body.html).toContain('<');
    expect(res.body.provider_attempts).toEqual([]);
  });

  it('answers 404 for another merchant’s message and for an unknown id', async () => {
    const [latest] = (await world.api('GET', '/v1/messages')).body.data;
    const res = await world.api('GET', `/v1/messages/${latest.id}`, { key: other.key });
    expect(res.status).toBe(404);
    expect(res.body.error.code).toBe('not_found');
    expect((await world.api('GET', '/v1/messages/msg_unknown')).status).toBe(404);
  });

  it('requires an API key', async () => {
    expect((await world.api('GET', '/v1/messages', { key: null })).status).toBe(401);
  });
});

describe('/v1/customers/:id/channels', () => {
  it('defaults to email, and replaces the channels in order of preference', async () => {
    const id = cases[0]!.customerId;
    const before = await world.api('GET', `/v1/customers/${id}/channels`);
    expect(before.body).toEqual({
      object: 'customer_channels',
      customer_id: id,
      email: 'ada@example.com',
      email_status: 'deliverable',
      email_undeliverable_reason: null,
      default: true,
      channels: [{ type: 'email', status: 'active', status_reason: null }],
    });
    const put = await world.api('PUT', `/v1/customers/${id}/channels`, {
      body: {
        channels: [
          { type: 'slack', webhook_url: 'https://hooks.slack.com/services/T0/B0/secretpart' },
          { type: 'telegram', chat_id: 12345 },
          {
            type: 'webhook',
            url: 'https://app.shop.example/dunner',
            secret: 'whsec_c2VjcmV0LXNlY3JldC1zZWNyZXQ=',
          },
          { type: 'email' },
        ],
      },
    });
    expect(put.status).toBe(200);
    expect(put.body.default).toBe(false);
    expect(put.body.channels).toEqual([
      {
        type: 'slack',
        status: 'active',
        status_reason: null,
        webhook_url: 'https://hooks.slack.com/…',
      },
      { type: 'telegram', status: 'active', status_reason: null, chat_id: '12345' },
      {
        type: 'webhook',
        status: 'active',
        status_reason: null,
        url: 'https://app.shop.example/dunner',
        secret_set: true,
      },
      { type: 'email', status: 'active', status_reason: null },
    ]);
    expect(JSON.stringify(put.body)).not.toContain('secretpart');
    expect((await world.api('GET', `/v1/customers/${id}/channels`)).body).toEqual(put.body);

    const reset = await world.api('PUT', `/v1/customers/${id}/channels`, {
      body: { channels: [] },
    });
    expect(reset.body.default).toBe(true);
  });

  it.each([
    [
      { channels: [{ type: 'slack', webhook_url: 'http://hooks.example.com/x' }] },
      'channels[0].webhook_url',
    ],
    [{ channels: [{ type: 'slack' }] }, 'channels[0].webhook_url'],
    [{ channels: [{ type: 'email' }, { type: 'email' }] }, 'channels[1].type'],
    [{ channels: [{ type: 'telegram', chat_id: 'not a chat' }] }, 'channels[0].chat_id'],
    [
      { channels: [{ type: 'webhook', url: 'https://a.example/x', secret: 'short' }] },
      'channels[0].secret',
    ],
    [{ channels: [{ type: 'pigeon' }] }, 'channels[0].type'],
    [{}, 'channels'],
  ])('rejects %j naming %s', async (body, field) => {
    const res = await world.api('PUT', `/v1/customers/${cases[1]!.customerId}/channels`, { body });
    expect(res.status).toBe(400);
    expect(res.body.error).toMatchObject({ code: 'invalid_field', field });
  });

  describe('URLs that reach this machine, a private network or a metadata service', () => {
    let live: { merchantId: string; key: string };
    let liveCustomer: string;
    beforeAll(async () => {
      live = await world.otherMerchant('live');
      const created = await world.api('POST', '/v1/customers', {
        key: live.key,
        body: { name: 'Lin', email: 'lin@example.com' },
      });
      expect(created.status).toBe(201);
      liveCustomer = created.body.id;
    });

    it.each([
      'https://169.254.169.254/latest/meta-data/',
      'https://127.0.0.1/',
      'https://localhost/',
      'https://[::1]/',
      'https://10.0.0.1/x',
      'https://192.168.1.1/',
      'https://metadata.google.internal/',
      'https://0x7f000001/',
      'https://2130706433/',
      'https://127.1/',
      'https://[::ffff:169.254.169.254]/',
      'https://0.0.0.0/',
      'http://127.0.0.1:9/services/T/B/x',
    ])(
      'a live merchant gets 400 for %s, on every channel with a URL, and nothing is stored',
      async (url) => {
        for (const [channel, field] of [
          [{ type: 'slack', webhook_url: url }, 'channels[0].webhook_url'],
          [{ type: 'discord', webhook_url: url }, 'channels[0].webhook_url'],
          [{ type: 'webhook', url, secret: 'in-app-secret-0123456789' }, 'channels[0].url'],
        ] as const) {
          const res = await world.api('PUT', `/v1/customers/${liveCustomer}/channels`, {
            key: live.key,
            body: { channels: [channel] },
          });
          expect(res.status).toBe(400);
          expect(res.body.error).toMatchObject({ code: 'invalid_field', field });
          expect(res.body.error.message).toMatch(/points to .*only public addresses/);
        }
        const stored = await world.api('GET', `/v1/customers/${liveCustomer}/channels`, {
          key: live.key,
        });
        expect(stored.body.default).toBe(true);
      },
    );

    it('a test merchant reaches this machine where the deployment allows it, never a private network', async () => {
      const id = cases[2]!.customerId;
      const local = await world.api('PUT', `/v1/customers/${id}/channels`, {
        body: { channels: [{ type: 'slack', webhook_url: 'http://127.0.0.1:9/services/T/B/x' }] },
      });
      expect(local.status).toBe(200);
      const privateUrl = await world.api('PUT', `/v1/customers/${id}/channels`, {
        body: {
          channels: [{ type: 'webhook', url: 'https://10.0.0.1/x', secret: 'in-app-secret-0123' }],
        },
      });
      expect(privateUrl.status).toBe(400);
      expect(privateUrl.body.error.field).toBe('channels[0].url');
      await world.api('PUT', `/v1/customers/${id}/channels`, { body: { channels: [] } });
    });
  });

  it('answers 404 for another merchant’s customer', async () => {
    const id = cases[1]!.customerId;
    expect(
      (await world.api('GET', `/v1/customers/${id}/channels`, { key: other.key })).status,
    ).toBe(404);
    const put = await world.api('PUT', `/v1/customers/${id}/channels`, {
      key: other.key,
      body: { channels: [{ type: 'email' }] },
    });
    expect(put.status).toBe(404);
  });
});

describe('POST /v1/bounces', () => {
  it('takes the multipart/report body of a DSN with its Content-Type', async () => {
    const boundary = 'rpt';
    const body = [
      `--${boundary}`,
      'Content-Type: message/delivery-status',
      '',
      'Reporting-MTA: dns; mx.example.net',
      '',
      'Final-Recipient: rfc822; nobody@example.net',
      'Action: failed',
      'Status: 5.1.1',
      '',
      `--${boundary}--`,
      '',
    ].join('\r\n');
    const res = await world.api('POST', '/v1/bounces', {
      body,
      headers: {
        'content-type': `multipart/report; report-type=delivery-status; boundary="${boundary}"`,
      },
    });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({
      object: 'bounce_report',
      results: [
        {
          email: 'nobody@example.net',
          outcome: 'suppressed',
          reason: 'failed 5.1.1',
          message_id: null,
          fallback_message_id: null,
        },
      ],
    });
  });

  it('validates a JSON notice', async () => {
    const res = await world.api('POST', '/v1/bounces', {
      body: { email: 'x@example.com', kind: 'gone' },
    });
    expect(res.status).toBe(400);
    expect(res.body.error.field).toBe('kind');
  });

  it('ignores a soft bounce', async () => {
    const res = await world.api('POST', '/v1/bounces', {
      body: { email: 'ada@example.com', kind: 'soft' },
    });
    expect(res.body.results[0]).toMatchObject({ outcome: 'ignored' });
    const channels = await world.api('GET', `/v1/customers/${cases[2]!.customerId}/channels`);
    expect(channels.body.email_status).toBe('deliverable');
  });
});

describe('GET /v1/metrics/email', () => {
  it('counts no stored message as sent', async () => {
    const res = await world.api('GET', '/v1/metrics/email');
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      object: 'email_metrics',
      include_hard_decline: true,
      recovery_days: 7,
      totals: { sent: 0, delivered: 0, bounced: 0, clicks: 0, clicked: 0, recoveries: 0 },
      by_strategy_step: [],
    });
  });

  it('rejects a period that ends before it starts', async () => {
    const res = await world.api('GET', '/v1/metrics/email', {
      query: { from: '2026-03-10T00:00:00Z', to: '2026-03-01T00:00:00Z' },
    });
    expect(res.status).toBe(400);
    expect(res.body.error.field).toBe('from');
  });
});

describe('the OpenAPI document', () => {
  it('describes the message routes, and both ways to post a bounce', async () => {
    await world.app.ready();
    // biome-ignore lint/suspicious/noExplicitAny: the generated document is plain JSON
    const doc = world.app.swagger() as { paths: Record<string, any> };
    expect(Object.keys(doc.paths)).toEqual(
      expect.arrayContaining([
        '/v1/messages',
        '/v1/messages/{id}',
        '/v1/metrics/email',
        '/v1/bounces',
        '/v1/customers/{id}/channels',
      ]),
    );
    expect(Object.keys(doc.paths['/v1/bounces'].post.requestBody.content)).toEqual(
      expect.arrayContaining(['application/json', 'message/rfc822', 'multipart/report']),
    );
  });
});
