// POST /v1/payment_failures and its reads, through inject().
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ApiWorld, createApiWorld } from '../support/api.ts';
import { at } from '../support/world.ts';

let w: ApiWorld;
let other: { merchantId: string; key: string };
beforeAll(async () => {
  w = await createApiWorld({ preset: 'gentle_30', start: at('2026-03-01T00:00:00Z') });
  other = await w.otherMerchant();
});
afterAll(() => w.close());

const PERIOD_START = at('2026-02-20T10:00:00Z');

function body(subscriptionId: string, overrides: Record<string, unknown> = {}) {
  return {
    subscription_id: subscriptionId,
    external_charge_id: 'in_1001',
    amount_in_cents: 2000,
    currency: 'USD',
    decline: { scheme: 'stripe', code: 'insufficient_funds', network_decline_code: '51' },
    ...overrides,
  };
}

async function footprint() {
  const count = async (
    table: 'payment_failures' | 'payment_attempts' | 'dunning_cases' | 'events',
  ) =>
    Number(
      (
        await w.db
          .selectFrom(table)
          .select((eb) => eb.fn.countAll<number>().as('n'))
          .executeTakeFirstOrThrow()
      ).n,
    );
  return {
    failures: await count('payment_failures'),
    attempts: await count('payment_attempts'),
    cases: await count('dunning_cases'),
    events: await count('events'),
  };
}

describe('POST /v1/payment_failures', () => {
  it('opens a dunning case with the reported decline and its classification', async () => {
    const sub = await w.subscribe({ card: 'success', periodStart: PERIOD_START });
    const res = await w.api('POST', '/v1/payment_failures', {
      body: body(sub, { description: 'Invoice 1001' }),
    });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({
      object: 'payment_failure',
      external_charge_id: 'in_1001',
      subscription_id: sub,
      amount_in_cents: 2000,
      currency: 'USD',
      decline: {
        scheme: 'stripe',
        code: 'insufficient_funds',
        network_decline_code: '51',
        network: null,
      },
      raw_code: 'insufficient_funds / network 51',
      category: 'insufficient_funds',
      description: 'Invoice 1001',
      failed_at: '2026-03-01T00:00:00.000Z',
      opened_case: true,
      dunning_case: {
        object: 'dunning_case',
        subscription_id: sub,
        status: 'open',
        amount_due_in_cents: 2000,
        currency: 'USD',
        last_decline_category: 'insufficient_funds',
        opened_at: '2026-03-01T00:00:00.000Z',
      },
    });
    expect(res.body.classification).toContain('51');
    const subscription = await w.api('GET', `/v1/subscriptions/${sub}`);
    expect(subscription.body).toMatchObject({ state: 'past_due', balance_in_cents: 2000 });
    const timeline = await w.api('GET', `/v1/dunning_cases/${res.body.dunning_case.id}`);
    expect(timeline.body.attempts).toEqual([
      expect.objectContaining({
        status: 'failed',
        raw_code: 'insufficient_funds / network 51',
        category: 'insufficient_funds',
        external_charge_id: 'in_1001',
        amount_in_cents: 2000,
      }),
    ]);
  });

  it('applies the same external charge once: the second report answers 200 with the same case', async () => {
    const sub = await w.subscribe({ card: 'success', periodStart: PERIOD_START });
    const first = await w.api('POST', '/v1/payment_failures', {
      body: body(sub, { external_charge_id: 'in_twice' }),
    });
    expect(first.status).toBe(201);
    const before = await footprint();
    const second = await w.api('POST', '/v1/payment_failures', {
      body: body(sub, { external_charge_id: 'in_twice' }),
    });
    expect(second.status).toBe(200);
    expect(second.body.id).toBe(first.body.id);
    expect(second.body.dunning_case.id).toBe(first.body.dunning_case.id);
    expect(second.body.dunning_case.amount_due_in_cents).toBe(2000);
    expect(await footprint()).toEqual(before);
    expect(await w.attempts(sub)).toHaveLength(1);
  });

  it('continues the open case with a second, different failure', async () => {
    const sub = await w.subscribe({ card: 'generic_decline', periodStart: PERIOD_START });
    const first = await w.api('POST', '/v1/payment_failures', {
      body: body(sub, { external_charge_id: 'in_a' }),
    });
    const second = await w.api('POST', '/v1/payment_failures', {
      body: body(sub, {
        external_charge_id: 'in_b',
        amount_in_cents: 700,
        decline: { scheme: 'iso8583', code: '05', network: 'visa' },
      }),
    });
    expect(second.status).toBe(201);
    expect(second.body).toMatchObject({
      category: 'generic',
      raw_code: '05',
      opened_case: false,
      dunning_case: { id: first.body.dunning_case.id, amount_due_in_cents: 2700 },
    });
    const list = await w.api('GET', `/v1/dunning_cases?subscription_id=${sub}`);
    expect(list.body.data).toHaveLength(1);
  });

  it("answers 404 for another merchant's subscription and changes nothing", async () => {
    const sub = await w.subscribe({ card: 'success', periodStart: PERIOD_START });
    const before = await footprint();
    const res = await w.api('POST', '/v1/payment_failures', {
      body: body(sub, { external_charge_id: 'in_theirs' }),
      key: other.key,
    });
    expect(res.status).toBe(404);
    expect(res.body.error).toMatchObject({ code: 'not_found', field: 'subscription_id' });
    expect(await footprint()).toEqual(before);
    expect(await w.latestCase(sub)).toBeUndefined();
  });

  it('replays the first response for a repeated Idempotency-Key and refuses it with another body', async () => {
    const sub = await w.subscribe({ card: 'success', periodStart: PERIOD_START });
    const headers = { 'idempotency-key': 'report-in_idem' };
    const first = await w.api('POST', '/v1/payment_failures', {
      body: body(sub, { external_charge_id: 'in_idem' }),
      headers,
    });
    expect(first.status).toBe(201);
    const before = await footprint();
    const again = await w.api('POST', '/v1/payment_failures', {
      body: body(sub, { external_charge_id: 'in_idem' }),
      headers,
    });
    expect(again.status).toBe(201);
    expect(again.headers['idempotent-replayed']).toBe('true');
    expect(again.body).toEqual(first.body);
    expect(await footprint()).toEqual(before);
    const reused = await w.api('POST', '/v1/payment_failures', {
      body: body(sub, { external_charge_id: 'in_other' }),
      headers,
    });
    expect(reused.status).toBe(422);
    expect(reused.body.error.code).toBe('idempotency_key_reused');
    expect(await footprint()).toEqual(before);
  });

  it.each([
    [{ amount_in_cents: 0 }, 'amount_in_cents'],
    [{ amount_in_cents: 19.99 }, 'amount_in_cents'],
    [{ amount_in_cents: '2000' }, 'amount_in_cents'],
    [{ currency: 'EUR' }, 'currency'],
    [{ currency: 'dollars' }, 'currency'],
    [{ external_charge_id: '' }, 'external_charge_id'],
    [{ subscription_id: undefined }, 'subscription_id'],
    [{ decline: { scheme: 'paypal', code: 'x' } }, 'decline.scheme'],
    [{ decline: { scheme: 'stripe' } }, 'decline.code'],
    [{ decline: { scheme: 'iso8583', code: '05' } }, 'decline.network'],
    [{ decline: { scheme: 'sepa', code: 'AM04', advice_code: 'x' } }, 'decline.advice_code'],
    [{ failed_at: 'yesterday' }, 'failed_at'],
    [{ failed_at: '2026-03-05T00:00:00Z' }, 'failed_at'],
    [{ surprise: true }, 'surprise'],
  ])('answers 400 for %o naming %s, and changes nothing', async (overrides, field) => {
    const sub = await w.subscribe({ card: 'success', periodStart: PERIOD_START });
    const before = await footprint();
    const res = await w.api('POST', '/v1/payment_failures', {
      body: body(sub, { external_charge_id: 'in_bad', ...overrides }),
    });
    expect(res.status).toBe(400);
    expect(res.body.error).toMatchObject({ code: 'invalid_field', field });
    expect(await footprint()).toEqual(before);
  });

  it('answers 409 for a canceled subscription', async () => {
    const sub = await w.subscribe({ card: 'success', periodStart: PERIOD_START });
    expect((await w.api('POST', `/v1/subscriptions/${sub}/cancel`)).status).toBe(200);
    const res = await w.api('POST', '/v1/payment_failures', {
      body: body(sub, { external_charge_id: 'in_canceled' }),
    });
    expect(res.status).toBe(409);
    expect(res.body.error).toMatchObject({ code: 'invalid_state', field: 'subscription_id' });
  });
});

describe('GET /v1/payment_failures', () => {
  it('reads one by id and lists them, newest first, and hides them from other merchants', async () => {
    const sub = await w.subscribe({ card: 'success', periodStart: PERIOD_START });
    const a = await w.api('POST', '/v1/payment_failures', {
      body: body(sub, { external_charge_id: 'in_list_1' }),
    });
    const b = await w.api('POST', '/v1/payment_failures', {
      body: body(sub, { external_charge_id: 'in_list_2', amount_in_cents: 100 }),
    });
    const one = await w.api('GET', `/v1/payment_failures/${a.body.id}`);
    expect(one.status).toBe(200);
    expect(one.body).toMatchObject({ id: a.body.id, external_charge_id: 'in_list_1' });
    const page1 = await w.api('GET', `/v1/payment_failures?subscription_id=${sub}&limit=1`);
    expect(page1.body).toMatchObject({ object: 'list', has_more: true });
    expect(page1.body.data.map((f: { id: string }) => f.id)).toEqual([b.body.id]);
    const page2 = await w.api(
      'GET',
      `/v1/payment_failures?subscription_id=${sub}&limit=1&starting_after=${page1.body.next_cursor}`,
    );
    expect(page2.body.data.map((f: { id: string }) => f.id)).toEqual([a.body.id]);
    expect(page2.body.has_more).toBe(false);

    const theirs = await w.api('GET', `/v1/payment_failures/${a.body.id}`, { key: other.key });
    expect(theirs.status).toBe(404);
    const theirList = await w.api('GET', '/v1/payment_failures', { key: other.key });
    expect(theirList.body.data).toEqual([]);
  });
});
