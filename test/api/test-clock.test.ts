// /v1/test_clock: read and advance a test merchant's clock; the due work runs on the way. A live
// merchant has no test clock.
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { type ApiWorld, createApiWorld } from '../support/api.ts';
import { day } from '../support/world.ts';

let w: ApiWorld;

beforeAll(async () => {
  w = await createApiWorld({ start: day('2026-03-01') });
});
afterAll(async () => {
  await w.close();
});

describe('/v1/test_clock', () => {
  test('reads the clock, advances by days and to a time, running renewals on the way', async () => {
    const read = await w.api('GET', '/v1/test_clock');
    expect(read.status).toBe(200);
    expect(read.body).toEqual({
      object: 'test_clock',
      merchant_id: w.merchantId,
      now: '2026-03-01T00:00:00.000Z',
    });
    const c = await w.api('POST', '/v1/customers', { body: { name: 'A', email: 'a@example.com' } });
    const pm = await w.api('POST', `/v1/customers/${c.body.id}/payment_methods`, {
      body: { test_card: 'success' },
    });
    const sub = await w.api('POST', '/v1/subscriptions', {
      body: {
        customer_id: c.body.id,
        payment_method_id: pm.body.id,
        product_name: 'Weekly box',
        price_in_cents: 1500,
        currency: 'EUR',
        interval: 'week',
      },
    });
    const byDays = await w.api('POST', '/v1/test_clock/advance', { body: { days: 15 } });
    expect(byDays.status).toBe(200);
    expect(byDays.body).toMatchObject({ now: '2026-03-16T00:00:00.000Z', processed: 2 });
    expect((await w.api('GET', `/v1/subscriptions/${sub.body.id}`)).body).toMatchObject({
      current_period_start: '2026-03-15T00:00:00.000Z',
      state: 'active',
    });
    const to = await w.api('POST', '/v1/test_clock/advance', {
      body: { to: '2026-03-22T12:30:00Z' },
    });
    expect(to.body).toMatchObject({ now: '2026-03-22T12:30:00.000Z', processed: 1 });
    const charges = await w.db
      .selectFrom('test_gateway_charges')
      .select('amount_minor')
      .where('merchant_id', '=', w.merchantId)
      .execute();
    expect(charges).toEqual([
      { amount_minor: 1500 },
      { amount_minor: 1500 },
      { amount_minor: 1500 },
    ]);
  });

  test('never backwards, never both, never too far; the clock does not move', async () => {
    const before = (await w.api('GET', '/v1/test_clock')).body.now;
    const cases: [object, string][] = [
      [{ to: '2026-01-01T00:00:00Z' }, 'to'],
      [{ days: 0 }, 'days'],
      [{ days: -3 }, 'days'],
      [{ days: 1, to: '2027-01-01T00:00:00Z' }, 'body'],
      [{}, 'body'],
      [{ days: '3' }, 'days'],
      [{ days: 401 }, 'days'],
      [{ to: 'tomorrow' }, 'to'],
      [{ weeks: 1 }, 'weeks'],
    ];
    for (const [body, field] of cases) {
      const res = await w.api('POST', '/v1/test_clock/advance', { body });
      expect(res.status, JSON.stringify(body)).toBe(400);
      expect(res.body.error, JSON.stringify(body)).toMatchObject({ code: 'invalid_field', field });
    }
    expect((await w.api('GET', '/v1/test_clock')).body.now).toBe(before);
  });

  test('a live merchant has no test clock: not_test_mode', async () => {
    const live = await w.otherMerchant('live');
    const read = await w.api('GET', '/v1/test_clock', { key: live.key });
    expect(read.status).toBe(409);
    expect(read.body.error.code).toBe('not_test_mode');
    const advance = await w.api('POST', '/v1/test_clock/advance', {
      key: live.key,
      body: { days: 1 },
    });
    expect(advance.status).toBe(409);
    expect(advance.body.error.code).toBe('not_test_mode');
    // The test merchant's clock is its own: another test merchant's advance leaves it alone.
    const otherTest = await w.otherMerchant('test');
    const before = (await w.api('GET', '/v1/test_clock')).body.now;
    await w.api('POST', '/v1/test_clock/advance', { key: otherTest.key, body: { days: 30 } });
    expect((await w.api('GET', '/v1/test_clock')).body.now).toBe(before);
  });
});
