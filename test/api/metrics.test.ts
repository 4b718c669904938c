// GET /v1/metrics on a dataset made through the API itself, against numbers worked out by hand.
//
// gentle_30 (final day 30: cancel), every subscription billed elsewhere (no engine renewals).
// Period: five ISO weeks [Mon 2026-03-02, Mon 2026-04-06).
//
//   sub  price/month  failure reported         outcome
//   A    USD 20.00    Mar 2 10:00  generic     day 30 (Mar 31 10:00): canceled
//   B    USD 30.00    Mar 3 10:00  generic     marked paid Mar 4 10:00
//   C    EUR 10.00    Mar 10 10:00 insufficient_funds; its card pays again from Mar 19: retried
//                                              by the merchant Mar 20 10:00, recovered
//   D    USD 40.00    Mar 30 10:00 temporary   open on Apr 6
//   H1-2 USD 25.00    none
//
// Cases opened: 4 (2 recovered, 1 canceled, 1 open). USD: 90.00 entered, 30.00 recovered → 0.3333;
// EUR: 10.00 entered and recovered → 1. MRR saved USD 30.00 + EUR 10.00; lost USD 20.00.
// Live at Mar 2: 6; ended by dunning: 1 → churn 0.1667. At risk on Apr 6: 1 case, USD 40.00.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ApiWorld, createApiWorld } from '../support/api.ts';
import { at } from '../support/world.ts';

let w: ApiWorld;
const subs: Record<string, string> = {};
const FROM = '2026-03-02T00:00:00.000Z';
const TO = '2026-04-06T00:00:00.000Z';

async function report(name: string, amount: number, currency: string, code: string) {
  const res = await w.api('POST', '/v1/payment_failures', {
    body: {
      subscription_id: subs[name],
      external_charge_id: `ch_${name}`,
      amount_in_cents: amount,
      currency,
      decline: { scheme: 'stripe', code },
    },
  });
  expect(res.status).toBe(201);
  return res.body.dunning_case.id as string;
}

beforeAll(async () => {
  w = await createApiWorld({ preset: 'gentle_30', start: at('2026-03-01T00:00:00Z') });
  const feb15 = at('2026-02-15T10:00:00Z');
  subs.A = await w.subscribe({ card: 'generic_decline', priceMinor: 2000, periodStart: feb15 });
  subs.B = await w.subscribe({ card: 'generic_decline', priceMinor: 3000, periodStart: feb15 });
  subs.C = await w.subscribe({
    card: 'insufficient_funds_until',
    succeedsFrom: at('2026-03-19T00:00:00Z'),
    priceMinor: 1000,
    currency: 'EUR',
    periodStart: feb15,
  });
  subs.D = await w.subscribe({ card: 'generic_decline', priceMinor: 4000, periodStart: feb15 });
  subs.H1 = await w.subscribe({ card: 'success', priceMinor: 2500, periodStart: feb15 });
  subs.H2 = await w.subscribe({ card: 'success', priceMinor: 2500, periodStart: feb15 });
  await w.db
    .updateTable('subscriptions')
    .set({ billing: 'external', next_renewal_at: null })
    .where('merchant_id', '=', w.merchantId)
    .execute();

  await w.advanceTo(at('2026-03-02T10:00:00Z'));
  await report('A', 2000, 'USD', 'generic_decline');
  await w.advanceTo(at('2026-03-03T10:00:00Z'));
  const b = await report('B', 3000, 'USD', 'generic_decline');
  await w.advanceTo(at('2026-03-04T10:00:00Z'));
  expect((await w.api('POST', `/v1/dunning_cases/${b}/mark_paid`)).status).toBe(200);
  await w.advanceTo(at('2026-03-10T10:00:00Z'));
  const c = await report('C', 1000, 'EUR', 'insufficient_funds');
  await w.advanceTo(at('2026-03-20T10:00:00Z'));
  const retry = await w.api('POST', `/v1/dunning_cases/${c}/retry`);
  expect(retry.body.outcome).toBe('succeeded');
  await w.advanceTo(at('2026-03-30T10:00:00Z'));
  await report('D', 4000, 'USD', 'processing_error');
  await w.advanceTo(at(TO));
});

afterAll(() => w.close());

describe('GET /v1/metrics', () => {
  it('answers the period’s KPIs per currency', async () => {
    const res = await w.api('GET', `/v1/metrics?from=${FROM}&to=${TO}&granularity=week`);
    expect(res.status).toBe(200);
    const m = res.body;
    expect(m).toMatchObject({
      object: 'recovery_metrics',
      from: FROM,
      to: TO,
      granularity: 'week',
      as_of: TO,
      cases: { opened: 4, open: 1, recovered: 2, canceled: 1, unpaid: 0, stopped: 0 },
      subscriptions_recovered: 2,
      subscriptions_ended: 1,
      churn: { subscriptions_live_at_start: 6, subscriptions_ended: 1, rate: 0.1667 },
      at_risk: { open_cases: 1, currencies: [{ currency: 'USD', amount_in_cents: 4000 }] },
    });
    expect(m.currencies).toEqual([
      {
        currency: 'EUR',
        entered_in_cents: 1000,
        recovered_in_cents: 1000,
        recovery_rate: 1,
        mrr_saved_in_cents: 1000,
        mrr_lost_in_cents: 0,
      },
      {
        currency: 'USD',
        entered_in_cents: 9000,
        recovered_in_cents: 3000,
        recovery_rate: 0.3333,
        mrr_saved_in_cents: 3000,
        mrr_lost_in_cents: 2000,
      },
    ]);
  });

  it('charts it by ISO week', async () => {
    const m = (await w.api('GET', `/v1/metrics?from=${FROM}&to=${TO}&granularity=week`)).body;
    type Point = {
      start: string;
      cases: { opened: number };
      currencies: {
        currency: string;
        entered_in_cents: number;
        recovered_in_cents: number;
        recovery_rate: number | null;
        mrr_saved_in_cents: number;
        mrr_lost_in_cents: number;
      }[];
      subscriptions_live_at_start: number;
      churn_rate: number | null;
    };
    const usd = (p: Point) => p.currencies.find((c) => c.currency === 'USD');
    const eur = (p: Point) => p.currencies.find((c) => c.currency === 'EUR');
    expect(
      m.series.map((p: Point) => [
        p.start.slice(5, 10),
        p.cases.opened,
        usd(p)?.entered_in_cents ?? 0,
        usd(p)?.recovered_in_cents ?? 0,
        usd(p)?.recovery_rate ?? null,
        eur(p)?.recovery_rate ?? null,
        (usd(p)?.mrr_saved_in_cents ?? 0) + (eur(p)?.mrr_saved_in_cents ?? 0),
        usd(p)?.mrr_lost_in_cents ?? 0,
        p.subscriptions_live_at_start,
        p.churn_rate,
      ]),
    ).toEqual([
      // week, opened, USD entered, USD recovered, USD rate, EUR rate, MRR saved, USD lost, live, churn
      ['03-02', 2, 5000, 3000, 0.6, null, 3000, 0, 6, 0],
      ['03-09', 1, 0, 0, null, 1, 0, 0, 6, 0],
      ['03-16', 0, 0, 0, null, null, 1000, 0, 6, 0],
      ['03-23', 0, 0, 0, null, null, 0, 0, 6, 0],
      ['03-30', 1, 4000, 0, 0, null, 0, 2000, 6, 0.1667],
    ]);
  });

  it('charts it by UTC day', async () => {
    const m = (await w.api('GET', `/v1/metrics?from=${FROM}&to=${TO}&granularity=day`)).body;
    expect(m.series).toHaveLength(35);
    const day = (d: string) => m.series.find((p: { start: string }) => p.start.startsWith(d));
    expect(day('2026-03-04').currencies).toEqual([
      {
        currency: 'USD',
        entered_in_cents: 0,
        recovered_in_cents: 0,
        recovery_rate: null,
        mrr_saved_in_cents: 3000,
        mrr_lost_in_cents: 0,
      },
    ]);
    expect(day('2026-03-31')).toMatchObject({
      subscriptions_ended: 1,
      subscriptions_live_at_start: 6,
      churn_rate: 0.1667,
    });
    expect(day('2026-04-01')).toMatchObject({ subscriptions_live_at_start: 5, churn_rate: 0 });
  });

  it('breaks the period down by decline category, strategy and payment-method type', async () => {
    const m = (await w.api('GET', `/v1/metrics?from=${FROM}&to=${TO}`)).body;
    expect(
      m.breakdowns.decline_category.map((r: { key: string; cases: Record<string, number> }) => [
        r.key,
        r.cases.opened,
        r.cases.recovered,
        r.cases.canceled,
        r.cases.open,
      ]),
    ).toEqual([
      ['generic', 2, 1, 1, 0],
      ['insufficient_funds', 1, 1, 0, 0],
      ['temporary', 1, 0, 0, 1],
    ]);
    expect(m.breakdowns.strategy).toHaveLength(1);
    expect(m.breakdowns.strategy[0]).toMatchObject({
      label: 'Gentle 30-day (card)',
      cases: { opened: 4 },
    });
    expect(m.breakdowns.payment_method_type.map((r: { key: string }) => r.key)).toEqual(['card']);
  });

  it('defaults to the 30 days before now, by day', async () => {
    const m = (await w.api('GET', '/v1/metrics')).body;
    expect(m).toMatchObject({
      to: TO,
      from: '2026-03-07T00:00:00.000Z',
      granularity: 'day',
    });
    expect(m.series).toHaveLength(30);
  });

  it('shows another merchant none of it', async () => {
    const other = await w.otherMerchant();
    const m = (
      await w.api('GET', `/v1/metrics?from=${FROM}&to=${TO}&granularity=week`, { key: other.key })
    ).body;
    expect(m.cases.opened).toBe(0);
    expect(m.currencies).toEqual([]);
    expect(m.churn.subscriptions_live_at_start).toBe(0);
    expect(m.at_risk).toEqual({ open_cases: 0, currencies: [] });
  });

  it.each([
    [`from=${TO}&to=${FROM}`, 'from'],
    ['from=yesterday', 'from'],
    ['granularity=month', 'granularity'],
    ['from=2020-01-01T00:00:00Z&granularity=day', 'to'],
    ['currency=USD', 'currency'],
  ])('answers 400 for ?%s naming %s', async (query, field) => {
    const res = await w.api('GET', `/v1/metrics?${query}`);
    expect(res.status).toBe(400);
    expect(res.body.error).toMatchObject({ code: 'invalid_field', field });
  });
});
