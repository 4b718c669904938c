// Payment methods through the HTTP API: test cards by name or number, gateway tokens, pay links,
// listing a customer's methods, card-updater details that retry an open case at once, and tenant
// isolation on every route that takes an id.
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { type ApiWorld, createApiWorld } from '../support/api.ts';
import { day } from '../support/world.ts';

let w: ApiWorld;
let other: { merchantId: string; key: string };
let customerId: string;

beforeAll(async () => {
  w = await createApiWorld({ start: day('2026-03-01') });
  other = await w.otherMerchant();
  const c = await w.api('POST', '/v1/customers', {
    body: { name: 'Ada Lovelace', email: 'ada@example.com' },
  });
  customerId = c.body.id;
});
afterAll(async () => {
  await w.close();
});

const methodRow = (id: string) =>
  w.db
    .selectFrom('payment_methods')
    .selectAll()
    .where('merchant_id', '=', w.merchantId)
    .where('payment_method_id', '=', id)
    .executeTakeFirst();

describe('POST /v1/customers/:id/payment_methods', () => {
  test('a test card by name stores the token, brand, last 4 and expiry, never the number in the answer', async () => {
    const res = await w.api('POST', `/v1/customers/${customerId}/payment_methods`, {
      body: { test_card: 'insufficient_funds', exp_month: 4, exp_year: 2031 },
    });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({
      object: 'payment_method',
      customer_id: customerId,
      type: 'card',
      gateway: 'test',
      brand: 'visa',
      last4: '9995',
      exp_month: 4,
      exp_year: 2031,
    });
    expect(JSON.stringify(res.body)).not.toContain('4000000000009995');
    const row = await methodRow(res.body.id);
    // Stored like a real card: a token naming the test card, and last 4; the number nowhere.
    expect(row?.gateway_token).toMatch(/^tok_test_insufficient_funds_[0-9a-f]{12}$/);
    expect(row?.fingerprint).toBe(`fp_test_${customerId}_insufficient_funds`);
    expect(JSON.stringify(row)).not.toContain('4000000000009995');
  });

  test('a token in the form carrying the number is taken, and stored without it', async () => {
    const res = await w.api('POST', `/v1/customers/${customerId}/payment_methods`, {
      body: { gateway: 'test', token: 'tok_test_4000000000000002' },
    });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({ brand: 'visa', last4: '0002' });
    const row = await methodRow(res.body.id);
    expect(row?.gateway_token).toMatch(/^tok_test_generic_decline_[0-9a-f]{12}$/);
    expect(JSON.stringify(row)).not.toContain('4000000000000002');
  });

  test('a live merchant is refused test cards and test tokens, naming the field, and stores nothing', async () => {
    const live = await w.otherMerchant('live');
    const customer = await w.api('POST', '/v1/customers', {
      key: live.key,
      body: { name: 'Live Ada', email: 'live-ada@example.com' },
    });
    expect(customer.status).toBe(201);
    const path = `/v1/customers/${customer.body.id}/payment_methods`;
    for (const [body, field] of [
      [{ test_card: '4242424242424242' }, 'test_card'],
      [{ test_card: 'success' }, 'test_card'],
      [{ type: 'ach', test_card: 'success' }, 'test_card'],
      [{ gateway: 'test', token: 'tok_test_4242424242424242' }, 'token'],
      [{ token: 'tok_test_success_0123456789ab' }, 'token'],
    ] as const) {
      const res = await w.api('POST', path, { key: live.key, body });
      expect(res.status, JSON.stringify(body)).toBe(400);
      expect(res.body.error).toMatchObject({ code: 'invalid_field', field });
      expect(res.body.error.message).toContain('test mode');
    }
    const stored = await w.db
      .selectFrom('payment_methods')
      .select('payment_method_id')
      .where('merchant_id', '=', live.merchantId)
      .execute();
    expect(stored).toEqual([]);
    // A real gateway's method is taken.
    const stripe = await w.api('POST', path, {
      key: live.key,
      body: { gateway: 'stripe', token: 'stripe:cus_Live1:pm_Live2', brand: 'visa', last4: '1881' },
    });
    expect(stripe.status).toBe(201);
    expect(stripe.body.gateway).toBe('stripe');
  });

  test('a test card by number, a test-gateway token, a Stripe token and a pay link', async () => {
    const byNumber = await w.api('POST', `/v1/customers/${customerId}/payment_methods`, {
      body: { type: 'card', test_card: '4242 4242 4242 4242' },
    });
    expect(byNumber.status).toBe(201);
    expect(byNumber.body).toMatchObject({ brand: 'visa', last4: '4242' });

    const token = await w.api('POST', `/v1/customers/${customerId}/payment_methods`, {
      body: { gateway: 'test', token: 'tok_test_5555555555554444' },
    });
    expect(token.status).toBe(201);
    expect(token.body).toMatchObject({ gateway: 'test', brand: 'mastercard', last4: '4444' });

    const stripe = await w.api('POST', `/v1/customers/${customerId}/payment_methods`, {
      body: {
        gateway: 'stripe',
        token: 'stripe:cus_Abc123:pm_Def456',
        brand: 'visa',
        last4: '1881',
        exp_month: 2,
        exp_year: 2029,
      },
    });
    expect(stripe.status).toBe(201);
    expect(stripe.body).toMatchObject({ gateway: 'stripe', brand: 'visa', last4: '1881' });
    expect((await methodRow(stripe.body.id))?.gateway_token).toBe('stripe:cus_Abc123:pm_Def456');

    const ach = await w.api('POST', `/v1/customers/${customerId}/payment_methods`, {
      body: { type: 'ach', test_card: 'success' },
    });
    expect(ach.status).toBe(201);
    expect(ach.body).toMatchObject({ type: 'ach', brand: null, exp_month: null });

    const payLink = await w.api('POST', `/v1/customers/${customerId}/payment_methods`, {
      body: { type: 'pay_link' },
    });
    expect(payLink.status).toBe(201);
    expect(payLink.body).toMatchObject({ type: 'pay_link', last4: null, gateway: 'none' });
  });

  test('refuses what cannot be charged, and stores nothing', async () => {
    const count = async () =>
      (
        await w.db
          .selectFrom('payment_methods')
          .select('payment_method_id')
          .where('merchant_id', '=', w.merchantId)
          .execute()
      ).length;
    const before = await count();
    const cases: [object, string][] = [
      [{ test_card: '4111111111111111' }, 'test_card'],
      [{ test_card: 'constructor' }, 'test_card'],
      [{ test_card: '__proto__' }, 'test_card'],
      [{}, 'test_card'],
      [{ test_card: 'success', token: 'tok_test_4242424242424242' }, 'test_card'],
      [{ gateway: 'stripe', token: 'pm_only' }, 'token'],
      [{ gateway: 'test', token: 'tok_nothing' }, 'token'],
      [{ test_card: 'insufficient_funds_until' }, 'succeeds_from'],
      [{ type: 'pay_link', test_card: 'success' }, 'test_card'],
      [{ test_card: 'success', card_number: '4242424242424242' }, 'card_number'],
      [{ test_card: 'success', last4: '12345' }, 'last4'],
    ];
    for (const [body, field] of cases) {
      const res = await w.api('POST', `/v1/customers/${customerId}/payment_methods`, { body });
      expect(res.status, JSON.stringify(body)).toBe(400);
      expect(res.body.error, JSON.stringify(body)).toMatchObject({ code: 'invalid_field', field });
    }
    expect(await count()).toBe(before);
  });

  test('another merchant cannot add a method to this customer or read its methods', async () => {
    const add = await w.api('POST', `/v1/customers/${customerId}/payment_methods`, {
      key: other.key,
      body: { test_card: 'success' },
    });
    expect(add.status).toBe(404);
    expect(add.body.error).toMatchObject({ code: 'not_found', field: 'id' });
    const list = await w.api('GET', `/v1/customers/${customerId}/payment_methods`, {
      key: other.key,
    });
    expect(list.status).toBe(404);
    const anyOther = await w.db
      .selectFrom('payment_methods')
      .select('payment_method_id')
      .where('merchant_id', '=', other.merchantId)
      .execute();
    expect(anyOther).toEqual([]);
  });
});

describe('GET /v1/customers/:id/payment_methods and /v1/payment_methods/:id', () => {
  test('lists the customer’s methods across pages and reads one', async () => {
    const all: string[] = [];
    let cursor: string | null = null;
    do {
      const res = await w.api(
        'GET',
        `/v1/customers/${customerId}/payment_methods?limit=2${cursor ? `&starting_after=${cursor}` : ''}`,
      );
      expect(res.status).toBe(200);
      all.push(...res.body.data.map((m: { id: string }) => m.id));
      cursor = res.body.next_cursor;
    } while (cursor);
    const stored = await w.db
      .selectFrom('payment_methods')
      .select('payment_method_id')
      .where('merchant_id', '=', w.merchantId)
      .where('customer_id', '=', customerId)
      .execute();
    expect(all.sort()).toEqual(stored.map((r) => r.payment_method_id).sort());

    const one = await w.api('GET', `/v1/payment_methods/${all[0]}`);
    expect(one.status).toBe(200);
    expect(one.body.id).toBe(all[0]);
    expect((await w.api('GET', `/v1/payment_methods/${all[0]}`, { key: other.key })).status).toBe(
      404,
    );
    expect((await w.api('GET', '/v1/payment_methods/pm_missing')).status).toBe(404);
  });
});

describe('POST /v1/payment_methods/:id/update', () => {
  test('a card updater’s new card retries the open case at once and recovers it', async () => {
    // A subscription on an expired card fails its renewal on April 1 and waits for a new card.
    const pm = await w.api('POST', `/v1/customers/${customerId}/payment_methods`, {
      body: { test_card: 'expired' },
    });
    const sub = await w.api('POST', '/v1/subscriptions', {
      body: {
        customer_id: customerId,
        payment_method_id: pm.body.id,
        product_name: 'Pro plan',
        price_in_cents: 2500,
        currency: 'USD',
        interval: 'month',
      },
    });
    expect(sub.status).toBe(201);
    await w.api('POST', '/v1/test_clock/advance', { body: { to: '2026-04-01T06:00:00Z' } });
    expect((await w.api('GET', `/v1/subscriptions/${sub.body.id}`)).body).toMatchObject({
      state: 'past_due',
      balance_in_cents: 2500,
    });

    // Another merchant cannot touch the method.
    const foreign = await w.api('POST', `/v1/payment_methods/${pm.body.id}/update`, {
      key: other.key,
      body: { test_card: 'success' },
    });
    expect(foreign.status).toBe(404);
    expect((await methodRow(pm.body.id))?.last4).toBe('0069');

    const updated = await w.api('POST', `/v1/payment_methods/${pm.body.id}/update`, {
      body: { test_card: 'success', exp_month: 9, exp_year: 2032 },
    });
    expect(updated.status).toBe(200);
    expect(updated.body).toMatchObject({ last4: '4242', exp_month: 9, exp_year: 2032 });
    expect(updated.body.updated_at).toBe('2026-04-01T06:00:00.000Z');

    // The retry runs with the next due work.
    await w.api('POST', '/v1/test_clock/advance', { body: { days: 0.01 } });
    const after = (await w.api('GET', `/v1/subscriptions/${sub.body.id}`)).body;
    expect(after).toMatchObject({ state: 'active', balance_in_cents: 0, entitlement: 'full' });
    const events = await w.api('GET', `/v1/events?type=payment_method.updated&limit=5`);
    expect(events.body.data[0].data).toMatchObject({
      payment_method_id: pm.body.id,
      source: 'card_updater',
    });
  });

  test('only a new expiry: the rest stays; nothing given or a bad month is refused', async () => {
    const pm = await w.api('POST', `/v1/customers/${customerId}/payment_methods`, {
      body: { test_card: 'success_mastercard' },
    });
    const res = await w.api('POST', `/v1/payment_methods/${pm.body.id}/update`, {
      body: { exp_month: 1, exp_year: 2033 },
    });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      last4: '4444',
      brand: 'mastercard',
      exp_month: 1,
      exp_year: 2033,
    });
    const none = await w.api('POST', `/v1/payment_methods/${pm.body.id}/update`, { body: {} });
    const odd = await w.api('POST', `/v1/payment_methods/${pm.body.id}/update`, {
      body: { test_card: 'toString' },
    });
    expect(odd.status).toBe(400);
    expect(odd.body.error.field).toBe('test_card');
    expect(none.status).toBe(400);
    const month = await w.api('POST', `/v1/payment_methods/${pm.body.id}/update`, {
      body: { exp_month: 13 },
    });
    expect(month.status).toBe(400);
    expect(month.body.error.field).toBe('exp_month');
    expect((await methodRow(pm.body.id))?.exp_month).toBe(1);
  });
});
