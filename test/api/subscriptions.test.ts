// Subscriptions through the HTTP API, on the test clock: state, entitlement and balance as a
// merchant's app reads them, and every action (cancel, reactivate, apply a payment, write off,
// retry the renewal, replace the method), with tenant isolation on every route that takes an id.
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { type ApiWorld, createApiWorld } from '../support/api.ts';
import { day } from '../support/world.ts';

let w: ApiWorld;
let other: { merchantId: string; key: string };

beforeAll(async () => {
  // Smart retries off: the gentle 30-day schedule runs at the first failure's time of day.
  w = await createApiWorld({ start: day('2026-03-01'), graceDays: 3 });
  other = await w.otherMerchant();
});
afterAll(async () => {
  await w.close();
});

/** A customer with one test card and a monthly 20.00 USD subscription starting on the clock's day. */
async function subscribe(card: string, extra: Record<string, unknown> = {}) {
  const c = await w.api('POST', '/v1/customers', {
    body: { name: 'Ada Lovelace', email: 'ada@example.com' },
  });
  const pm = await w.api('POST', `/v1/customers/${c.body.id}/payment_methods`, {
    body: { test_card: card },
  });
  const s = await w.api('POST', '/v1/subscriptions', {
    body: {
      customer_id: c.body.id,
      payment_method_id: pm.body.id,
      product_name: 'Pro plan',
      price_in_cents: 2000,
      currency: 'USD',
      interval: 'month',
      ...extra,
    },
  });
  expect(s.status, JSON.stringify(s.body)).toBe(201);
  return {
    customerId: c.body.id as string,
    methodId: pm.body.id as string,
    id: s.body.id as string,
  };
}

const get = async (id: string) => (await w.api('GET', `/v1/subscriptions/${id}`)).body;
const advanceTo = async (to: string) => {
  const res = await w.api('POST', '/v1/test_clock/advance', { body: { to } });
  expect(res.status, JSON.stringify(res.body)).toBe(200);
};
const advanceDays = async (days: number) => {
  const res = await w.api('POST', '/v1/test_clock/advance', { body: { days } });
  expect(res.status, JSON.stringify(res.body)).toBe(200);
};
const attempts = (id: string) =>
  w.db
    .selectFrom('payment_attempts')
    .selectAll()
    .where('merchant_id', '=', w.merchantId)
    .where('subscription_id', '=', id)
    .orderBy('requested_at')
    .execute();
const openCase = (id: string) =>
  w.db
    .selectFrom('dunning_cases')
    .selectAll()
    .where('merchant_id', '=', w.merchantId)
    .where('subscription_id', '=', id)
    .orderBy('opened_at', 'desc')
    .executeTakeFirst();

let paying: Awaited<ReturnType<typeof subscribe>>;
let poor: Awaited<ReturnType<typeof subscribe>>;
let generic: Awaited<ReturnType<typeof subscribe>>;
let stolen: Awaited<ReturnType<typeof subscribe>>;

describe('POST /v1/subscriptions', () => {
  test('creates an active subscription whose first renewal is at the end of the paid period', async () => {
    paying = await subscribe('success');
    const s = await get(paying.id);
    expect(s).toMatchObject({
      object: 'subscription',
      customer_id: paying.customerId,
      payment_method_id: paying.methodId,
      product_name: 'Pro plan',
      price_in_cents: 2000,
      currency: 'USD',
      interval: 'month',
      interval_count: 1,
      auto_renew: true,
      grace_days: 3,
      state: 'active',
      entitlement: 'full',
      balance_in_cents: 0,
      current_period_start: '2026-03-01T00:00:00.000Z',
      current_period_end: '2026-04-01T00:00:00.000Z',
      next_renewal_at: '2026-04-01T00:00:00.000Z',
      past_due_since: null,
      grace_ends_at: null,
    });
    poor = await subscribe('insufficient_funds', {
      current_period_start: '2026-03-01T06:00:00Z',
    });
    generic = await subscribe('generic_decline', { current_period_start: '2026-03-01T06:00:00Z' });
    stolen = await subscribe('stolen', { current_period_start: '2026-03-01T06:00:00Z' });
  });

  test('refuses another merchant’s customer, another customer’s method, and wrong types', async () => {
    const mine = await subscribe('success');
    const base = {
      customer_id: mine.customerId,
      product_name: 'Basic',
      price_in_cents: 900,
      currency: 'EUR',
      interval: 'month',
    };
    const otherCustomer = await w.api('POST', '/v1/customers', {
      key: other.key,
      body: { name: 'Them', email: 'them@example.com' },
    });
    const cases: [object, number, string][] = [
      [{ ...base, customer_id: otherCustomer.body.id }, 404, 'customer_id'],
      [{ ...base, payment_method_id: paying.methodId }, 404, 'payment_method_id'],
      [{ ...base, price_in_cents: '900' }, 400, 'price_in_cents'],
      [{ ...base, price_in_cents: 9.5 }, 400, 'price_in_cents'],
      [{ ...base, price_in_cents: -1 }, 400, 'price_in_cents'],
      [{ ...base, currency: 'eur' }, 400, 'currency'],
      [{ ...base, interval: 'fortnight' }, 400, 'interval'],
      [{ ...base, state: 'past_due' }, 400, 'state'],
      [{ ...base, primary_subscription_id: 'sub_nothing' }, 404, 'primary_subscription_id'],
    ];
    const before = (await w.db.selectFrom('subscriptions').select('subscription_id').execute())
      .length;
    for (const [body, status, field] of cases) {
      const res = await w.api('POST', '/v1/subscriptions', { body });
      expect(res.status, JSON.stringify(body)).toBe(status);
      expect(res.body.error.field, JSON.stringify(body)).toBe(field);
    }
    expect(
      (await w.db.selectFrom('subscriptions').select('subscription_id').execute()).length,
    ).toBe(before);
  });
});

describe('a failed renewal, seen through GET /v1/subscriptions/:id', () => {
  test('Day 1 (April 1): past due with the balance, full access during the 3-day grace period', async () => {
    await advanceTo('2026-04-01T06:00:00Z');
    expect(await get(paying.id)).toMatchObject({
      state: 'active',
      balance_in_cents: 0,
      current_period_start: '2026-04-01T00:00:00.000Z',
    });
    expect(await get(poor.id)).toMatchObject({
      state: 'past_due',
      entitlement: 'full',
      balance_in_cents: 2000,
      past_due_since: '2026-04-01T06:00:00.000Z',
      grace_ends_at: '2026-04-04T06:00:00.000Z',
    });
  });

  test('Day 5: the grace period is over: access is limited', async () => {
    await advanceTo('2026-04-05T07:00:00Z');
    expect(await get(poor.id)).toMatchObject({ state: 'past_due', entitlement: 'limited' });
  });

  test('GET /v1/subscriptions filters by state and customer and pages', async () => {
    const pastDue = await w.api('GET', '/v1/subscriptions?state=past_due&limit=100');
    expect(pastDue.status).toBe(200);
    expect(pastDue.body.data.map((s: { id: string }) => s.id).sort()).toEqual(
      [poor.id, generic.id, stolen.id].sort(),
    );
    const mine = await w.api('GET', `/v1/subscriptions?customer_id=${poor.customerId}`);
    expect(mine.body.data.map((s: { id: string }) => s.id)).toEqual([poor.id]);
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const res = await w.api(
        'GET',
        `/v1/subscriptions?limit=2${cursor ? `&starting_after=${cursor}` : ''}`,
      );
      seen.push(...res.body.data.map((s: { id: string }) => s.id));
      cursor = res.body.next_cursor;
    } while (cursor);
    const all = await w.db
      .selectFrom('subscriptions')
      .select('subscription_id')
      .where('merchant_id', '=', w.merchantId)
      .execute();
    expect(seen.sort()).toEqual(all.map((r) => r.subscription_id).sort());
    expect((await w.api('GET', '/v1/subscriptions?state=late')).status).toBe(400);
    const theirs = await w.api('GET', '/v1/subscriptions?limit=100', { key: other.key });
    expect(theirs.body.data).toEqual([]);
  });
});

describe('actions', () => {
  test('every action on another merchant’s subscription is a 404 and changes nothing', async () => {
    const before = await get(poor.id);
    const eventsBefore = (await w.db.selectFrom('events').select('event_id').execute()).length;
    const calls: [string, string, object | undefined][] = [
      ['GET', '', undefined],
      ['POST', '/cancel', {}],
      ['POST', '/reactivate', {}],
      ['POST', '/apply_payment', { amount_in_cents: 2000 }],
      ['POST', '/write_off', {}],
      ['POST', '/retry_renewal', {}],
      ['POST', '/payment_method', { payment_method_id: poor.methodId }],
    ];
    for (const [method, path, body] of calls) {
      const res = await w.api(method, `/v1/subscriptions/${poor.id}${path}`, {
        key: other.key,
        ...(body ? { body } : {}),
      });
      expect(res.status, path).toBe(404);
      expect(res.body.error, path).toMatchObject({ code: 'not_found', field: 'id' });
    }
    expect(await get(poor.id)).toEqual(before);
    expect((await w.db.selectFrom('events').select('event_id').execute()).length).toBe(
      eventsBefore,
    );
  });

  test('apply_payment: a part lowers the balance; the rest recovers the case and restores access', async () => {
    const part = await w.api('POST', `/v1/subscriptions/${poor.id}/apply_payment`, {
      body: { amount_in_cents: 500, reference: 'wire 42' },
    });
    expect(part.status).toBe(200);
    expect(part.body).toMatchObject({ state: 'past_due', balance_in_cents: 1500 });
    const tooMuch = await w.api('POST', `/v1/subscriptions/${poor.id}/apply_payment`, {
      body: { amount_in_cents: 1501 },
    });
    expect(tooMuch.status).toBe(400);
    expect(tooMuch.body.error.field).toBe('amount_in_cents');
    const zero = await w.api('POST', `/v1/subscriptions/${poor.id}/apply_payment`, {
      body: { amount_in_cents: 0 },
    });
    expect(zero.status).toBe(400);
    const rest = await w.api('POST', `/v1/subscriptions/${poor.id}/apply_payment`, {
      body: { amount_in_cents: 1500 },
    });
    expect(rest.body).toMatchObject({ state: 'active', entitlement: 'full', balance_in_cents: 0 });
    expect((await openCase(poor.id))?.status).toBe('recovered');
  });

  test('retry_renewal with an Idempotency-Key charges once, however often it is sent', async () => {
    const headers = { 'idempotency-key': 'retry-generic-1' };
    const before = (await attempts(generic.id)).length;
    const first = await w.api('POST', `/v1/subscriptions/${generic.id}/retry_renewal`, { headers });
    expect(first.status).toBe(200);
    expect(first.body).toMatchObject({
      outcome: 'declined',
      subscription: { id: generic.id, state: 'past_due', balance_in_cents: 2000 },
    });
    const again = await w.api('POST', `/v1/subscriptions/${generic.id}/retry_renewal`, { headers });
    expect(again.body).toEqual(first.body);
    const after = await attempts(generic.id);
    expect(after.length).toBe(before + 1);
    expect(after.at(-1)).toMatchObject({ purpose: 'manual', amount_minor: 2000, status: 'failed' });
  });

  test('payment_method: a method of the same customer replaces it and the open case is retried at once', async () => {
    const foreignMethod = await w.api('POST', `/v1/subscriptions/${generic.id}/payment_method`, {
      body: { payment_method_id: paying.methodId },
    });
    expect(foreignMethod.status).toBe(404);
    expect(foreignMethod.body.error.field).toBe('payment_method_id');

    const card = await w.api('POST', `/v1/customers/${generic.customerId}/payment_methods`, {
      body: { test_card: 'success_mastercard' },
    });
    const replaced = await w.api('POST', `/v1/subscriptions/${generic.id}/payment_method`, {
      body: { payment_method_id: card.body.id },
    });
    expect(replaced.status).toBe(200);
    expect(replaced.body.payment_method_id).toBe(card.body.id);
    await advanceDays(0.01);
    expect(await get(generic.id)).toMatchObject({ state: 'active', balance_in_cents: 0 });
    expect((await openCase(generic.id))?.status).toBe('recovered');
  });

  test('cancel stops the case at once: no retry goes out after it; write_off then clears the balance', async () => {
    expect((await openCase(stolen.id))?.status).toBe('open');
    const writeOffOpen = await w.api('POST', `/v1/subscriptions/${stolen.id}/write_off`);
    expect(writeOffOpen.status).toBe(409);
    expect(writeOffOpen.body.error.code).toBe('invalid_state');

    const canceled = await w.api('POST', `/v1/subscriptions/${stolen.id}/cancel`, {
      body: { reason: 'customer asked' },
    });
    expect(canceled.status).toBe(200);
    expect(canceled.body).toMatchObject({
      state: 'canceled',
      entitlement: 'none',
      next_renewal_at: null,
      balance_in_cents: 2000,
    });
    expect(canceled.body.canceled_at).not.toBeNull();
    expect((await openCase(stolen.id))?.status).toBe('stopped');
    const again = await w.api('POST', `/v1/subscriptions/${stolen.id}/cancel`);
    expect(again.status).toBe(409);

    const tried = (await attempts(stolen.id)).length;
    await advanceDays(40);
    expect((await attempts(stolen.id)).length).toBe(tried);

    const writtenOff = await w.api('POST', `/v1/subscriptions/${stolen.id}/write_off`);
    expect(writtenOff.status).toBe(200);
    expect(writtenOff.body).toMatchObject({ state: 'canceled', balance_in_cents: 0 });
  });

  test('reactivate: a canceled subscription comes back and its renewal is charged at once', async () => {
    const notCanceled = await w.api('POST', `/v1/subscriptions/${paying.id}/reactivate`);
    expect(notCanceled.status).toBe(409);
    await w.api('POST', `/v1/subscriptions/${paying.id}/cancel`);
    const tried = (await attempts(paying.id)).length;
    const now = (await w.api('GET', '/v1/test_clock')).body.now;
    const back = await w.api('POST', `/v1/subscriptions/${paying.id}/reactivate`, { body: {} });
    expect(back.status).toBe(200);
    expect(back.body).toMatchObject({ state: 'active', entitlement: 'full', next_renewal_at: now });
    await advanceDays(0.01);
    const charged = await attempts(paying.id);
    expect(charged.length).toBe(tried + 1);
    expect(charged.at(-1)).toMatchObject({ status: 'succeeded', amount_minor: 2000 });
    expect(await get(paying.id)).toMatchObject({ state: 'active', current_period_start: now });
  });

  test('an action on a missing subscription is a 404; an unknown field is a 400', async () => {
    const missing = await w.api('POST', '/v1/subscriptions/sub_nothing/cancel');
    expect(missing.status).toBe(404);
    const unknown = await w.api('POST', `/v1/subscriptions/${paying.id}/cancel`, {
      body: { at_period_end: true },
    });
    expect(unknown.status).toBe(400);
    expect(unknown.body.error.field).toBe('at_period_end');
    expect((await get(paying.id)).state).toBe('active');
  });
});
