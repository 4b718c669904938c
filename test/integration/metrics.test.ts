// Recovery KPIs on a dataset built through the engine's own use cases, checked against numbers
// worked out by hand below (docs/metrics.md has the definitions).
//
// Merchant: card cases run firm_14 (final day 14: mark unpaid), pay-link cases one_step (cancel at
// the first failure). Every subscription is billed elsewhere (no engine renewals). Period: the two
// ISO weeks [Mon 2026-03-02, Mon 2026-03-16).
//
//   sub  price/month  failure (reported)                  outcome
//   S0   USD  5.00    Feb 25 10:00 insufficient_funds     marked paid Mar 8 09:00 (case opened before the period)
//   S1   USD 20.00    Mar 3 10:00  insufficient_funds     marked paid Mar 5 12:00
//   S2   USD 30.00    Mar 4 09:00  insufficient_funds     marked paid Mar 10 08:00
//   S3   USD 10.00    Mar 2 10:00  generic                 day 14 (Mar 15 10:00): unpaid
//   S4   EUR 15.00    Mar 6 15:00  generic (pay link)     one_step: canceled at once
//   S5   USD 40.00    Mar 12 10:00 temporary              still open on Mar 16
//   H1-3 USD 25.00    none                                 live throughout
//   V1   USD 25.00    none; canceled by the merchant Mar 1 (before the period)
//   V2   USD 25.00    none; canceled by the merchant Mar 9 12:00 (voluntary: not churn)
//   H4   USD 25.00    starts Mar 9 18:00
//
// Live at Mar 2: S0-S5, H1-3, V2 = 10. From Mar 7: 9 (S4 ended). Mar 10: 9 (V2 left, H4 came).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fixedClock } from '../../src/app/clock.ts';
import { recoveryMetrics } from '../../src/app/metrics/recovery.ts';
import { unwrap } from '../../src/app/result.ts';
import { markDunningCasePaid } from '../../src/app/use-cases/dunning-case-actions.ts';
import {
  type ReportedDecline,
  reportPaymentFailure,
} from '../../src/app/use-cases/report-payment-failure.ts';
import { saveStrategy } from '../../src/app/use-cases/save-strategy.ts';
import { cancelSubscription } from '../../src/app/use-cases/subscription-actions.ts';
import { at, createWorld, type World } from '../support/world.ts';

const FROM = at('2026-03-02T00:00:00Z');
const TO = at('2026-03-16T00:00:00Z');

let world: World;
const subs: Record<string, string> = {};

const declines = {
  insufficient_funds: { scheme: 'stripe', code: 'insufficient_funds', networkDeclineCode: '51' },
  generic: { scheme: 'stripe', code: 'generic_decline', networkDeclineCode: '05' },
  temporary: { scheme: 'stripe', code: 'processing_error', networkDeclineCode: '96' },
} satisfies Record<string, ReportedDecline>;

async function report(
  name: string,
  amountMinor: number,
  decline: ReportedDecline,
  currency = 'USD',
  failedAt?: Date,
) {
  return unwrap(
    await reportPaymentFailure(world.deps, {
      merchantId: world.merchantId,
      subscriptionId: subs[name]!,
      externalChargeId: `ch_${name}`,
      amountMinor,
      currency,
      decline,
      ...(failedAt ? { failedAt } : {}),
    }),
  );
}

async function markPaid(name: string) {
  const c = (await world.latestCase(subs[name]!))!;
  unwrap(
    await markDunningCasePaid(world.deps, { merchantId: world.merchantId, caseId: c.case_id }),
  );
}

async function metrics(from: Date, to: Date, granularity: 'day' | 'week') {
  return unwrap(
    await recoveryMetrics(world.db, {
      merchantId: world.merchantId,
      from,
      to,
      granularity,
      now: await world.now(),
    }),
  );
}

beforeAll(async () => {
  world = await createWorld({ preset: 'firm_14', start: at('2026-03-01T00:00:00Z') });
  unwrap(
    await saveStrategy(world.deps, {
      merchantId: world.merchantId,
      name: 'End at first failure (pay link)',
      preset: 'one_step',
      paymentMethodType: 'pay_link',
      makeDefault: true,
    }),
  );
  const feb15 = at('2026-02-15T10:00:00Z');
  const plan: [string, Parameters<World['subscribe']>[0]][] = [
    ['S0', { card: 'generic_decline', priceMinor: 500, periodStart: feb15 }],
    ['S1', { card: 'generic_decline', priceMinor: 2000, periodStart: feb15 }],
    ['S2', { card: 'generic_decline', priceMinor: 3000, periodStart: feb15 }],
    ['S3', { card: 'generic_decline', priceMinor: 1000, periodStart: feb15 }],
    ['S4', { card: 'pay_link', priceMinor: 1500, currency: 'EUR', periodStart: feb15 }],
    ['S5', { card: 'generic_decline', priceMinor: 4000, periodStart: feb15 }],
    ['H1', { card: 'success', priceMinor: 2500, periodStart: feb15 }],
    ['H2', { card: 'success', priceMinor: 2500, periodStart: feb15 }],
    ['H3', { card: 'success', priceMinor: 2500, periodStart: feb15 }],
    ['V1', { card: 'success', priceMinor: 2500, periodStart: feb15 }],
    ['V2', { card: 'success', priceMinor: 2500, periodStart: feb15 }],
    ['H4', { card: 'success', priceMinor: 2500, periodStart: at('2026-03-09T18:00:00Z') }],
  ];
  for (const [name, s] of plan) subs[name] = await world.subscribe(s);
  await world.db
    .updateTable('subscriptions')
    .set({ billing: 'external', next_renewal_at: null })
    .where('merchant_id', '=', world.merchantId)
    .execute();

  const cancel = async (name: string) =>
    unwrap(
      await cancelSubscription(world.deps, {
        merchantId: world.merchantId,
        subscriptionId: subs[name]!,
      }),
    );
  await cancel('V1');
  await report('S0', 500, declines.insufficient_funds, 'USD', at('2026-02-25T10:00:00Z'));
  await world.advanceTo(at('2026-03-02T10:00:00Z'));
  await report('S3', 1000, declines.generic);
  await world.advanceTo(at('2026-03-03T10:00:00Z'));
  await report('S1', 2000, declines.insufficient_funds);
  await world.advanceTo(at('2026-03-04T09:00:00Z'));
  await report('S2', 3000, declines.insufficient_funds);
  await world.advanceTo(at('2026-03-05T12:00:00Z'));
  await markPaid('S1');
  await world.advanceTo(at('2026-03-06T15:00:00Z'));
  await report('S4', 1500, declines.generic, 'EUR');
  await world.advanceTo(at('2026-03-08T09:00:00Z'));
  await markPaid('S0');
  await world.advanceTo(at('2026-03-09T12:00:00Z'));
  await cancel('V2');
  await world.advanceTo(at('2026-03-10T08:00:00Z'));
  await markPaid('S2');
  await world.advanceTo(at('2026-03-12T10:00:00Z'));
  await report('S5', 4000, declines.temporary);
  await world.advanceTo(TO);
});

afterAll(() => world.close());

describe('the seeded dataset', () => {
  it('ends the way the table above says', async () => {
    const status = async (name: string) => (await world.latestCase(subs[name]!))!.status;
    expect(await Promise.all(['S0', 'S1', 'S2', 'S3', 'S4', 'S5'].map((n) => status(n)))).toEqual([
      'recovered',
      'recovered',
      'recovered',
      'unpaid',
      'canceled',
      'open',
    ]);
    expect((await world.subscription(subs.S3!)).state).toBe('unpaid');
    expect((await world.subscription(subs.S4!)).state).toBe('canceled');
  });
});

describe('recovery metrics over the period', () => {
  it('counts the cases opened in the period by their status now', async () => {
    const m = await metrics(FROM, TO, 'day');
    expect(m.cases).toEqual({
      opened: 5,
      open: 1,
      recovered: 2,
      canceled: 1,
      unpaid: 1,
      stopped: 0,
    });
  });

  it('gives the revenue recovery rate and MRR saved and lost per currency, never mixing them', async () => {
    const m = await metrics(FROM, TO, 'day');
    expect(m.currencies).toEqual([
      {
        currency: 'EUR',
        enteredMinor: 1500,
        recoveredMinor: 0,
        recoveryRate: 0,
        mrrSavedMinor: 0,
        mrrLostMinor: 1500,
      },
      {
        // S1 + S2 + S3 + S5 entered; S1 + S2 recovered. S0 recovered in the period but opened before.
        currency: 'USD',
        enteredMinor: 10_000,
        recoveredMinor: 5000,
        recoveryRate: 0.5,
        mrrSavedMinor: 5500,
        mrrLostMinor: 1000,
      },
    ]);
    expect(m.subscriptionsRecovered).toBe(3);
    expect(m.subscriptionsEnded).toBe(2);
  });

  it('gives involuntary churn: ended by dunning over live at the start plus started in the period; voluntary cancels do not count', async () => {
    const m = await metrics(FROM, TO, 'day');
    // H4 starts on Mar 9: it could have ended in the period, so it is in the denominator.
    expect(m.churn).toEqual({
      subscriptionsLiveAtStart: 10,
      subscriptionsStarted: 1,
      subscriptionsEnded: 2,
      rate: 0.1818,
    });
  });

  it('reports the open cases and the amount at risk now', async () => {
    const m = await metrics(FROM, TO, 'day');
    expect(m.atRisk).toEqual({
      openCases: 1,
      currencies: [{ currency: 'USD', amountMinor: 4000 }],
    });
    expect(m.asOf).toEqual(TO);
  });

  it('breaks the figures down by opening decline category, strategy and payment-method type', async () => {
    const m = await metrics(FROM, TO, 'day');
    const usd = (r: { currencies: { currency: string }[] }) =>
      r.currencies.find((c) => c.currency === 'USD');
    expect(
      m.breakdowns.category.map((r) => [
        r.key,
        r.cases.opened,
        r.cases.recovered,
        r.subscriptionsRecovered,
        r.subscriptionsEnded,
        usd(r),
      ]),
    ).toEqual([
      [
        'generic',
        2,
        0,
        0,
        2,
        {
          currency: 'USD',
          enteredMinor: 1000,
          recoveredMinor: 0,
          recoveryRate: 0,
          mrrSavedMinor: 0,
          mrrLostMinor: 1000,
        },
      ],
      [
        'insufficient_funds',
        2,
        2,
        3,
        0,
        {
          currency: 'USD',
          enteredMinor: 5000,
          recoveredMinor: 5000,
          recoveryRate: 1,
          mrrSavedMinor: 5500,
          mrrLostMinor: 0,
        },
      ],
      [
        'temporary',
        1,
        0,
        0,
        0,
        {
          currency: 'USD',
          enteredMinor: 4000,
          recoveredMinor: 0,
          recoveryRate: 0,
          mrrSavedMinor: 0,
          mrrLostMinor: 0,
        },
      ],
    ]);
    expect(m.breakdowns.paymentMethodType.map((r) => [r.key, r.cases.opened])).toEqual([
      ['card', 4],
      ['pay_link', 1],
    ]);
    expect(
      m.breakdowns.strategy.map((r) => [r.label, r.cases.opened, r.subscriptionsEnded]),
    ).toEqual([
      ['Firm 14-day (card)', 4, 1],
      ['End at first failure (pay link)', 1, 1],
    ]);
  });
});

describe('time series', () => {
  it('puts each figure in its UTC day', async () => {
    const m = await metrics(FROM, TO, 'day');
    const rows = m.series.map((p) => {
      const usd = p.currencies.find((c) => c.currency === 'USD');
      const eur = p.currencies.find((c) => c.currency === 'EUR');
      return [
        p.start.toISOString().slice(5, 10),
        p.cases.opened,
        usd?.enteredMinor ?? 0,
        usd?.recoveredMinor ?? 0,
        usd?.mrrSavedMinor ?? 0,
        (usd?.mrrLostMinor ?? 0) + (eur?.mrrLostMinor ?? 0),
        p.subscriptionsEnded,
        p.subscriptionsLiveAtStart,
        p.churnRate,
      ];
    });
    // day, opened, USD entered, USD recovered, USD MRR saved, MRR lost (EUR on the 6th), ended, live, churn
    expect(rows).toEqual([
      ['03-02', 1, 1000, 0, 0, 0, 0, 10, 0],
      ['03-03', 1, 2000, 2000, 0, 0, 0, 10, 0],
      ['03-04', 1, 3000, 3000, 0, 0, 0, 10, 0],
      ['03-05', 0, 0, 0, 2000, 0, 0, 10, 0],
      ['03-06', 1, 0, 0, 0, 1500, 1, 10, 0.1],
      ['03-07', 0, 0, 0, 0, 0, 0, 9, 0],
      ['03-08', 0, 0, 0, 500, 0, 0, 9, 0],
      ['03-09', 0, 0, 0, 0, 0, 0, 9, 0],
      ['03-10', 0, 0, 0, 3000, 0, 0, 9, 0],
      ['03-11', 0, 0, 0, 0, 0, 0, 9, 0],
      ['03-12', 1, 4000, 0, 0, 0, 0, 9, 0],
      ['03-13', 0, 0, 0, 0, 0, 0, 9, 0],
      ['03-14', 0, 0, 0, 0, 0, 0, 9, 0],
      ['03-15', 0, 0, 0, 0, 1000, 1, 9, 0.1111],
    ]);
  });

  it('puts each figure in its ISO week', async () => {
    const m = await metrics(FROM, TO, 'week');
    expect(
      m.series.map((p) => ({
        start: p.start.toISOString(),
        opened: p.cases.opened,
        currencies: p.currencies,
        live: p.subscriptionsLiveAtStart,
        ended: p.subscriptionsEnded,
        churn: p.churnRate,
      })),
    ).toEqual([
      {
        start: '2026-03-02T00:00:00.000Z',
        opened: 4,
        currencies: [
          {
            currency: 'EUR',
            enteredMinor: 1500,
            recoveredMinor: 0,
            recoveryRate: 0,
            mrrSavedMinor: 0,
            mrrLostMinor: 1500,
          },
          {
            currency: 'USD',
            enteredMinor: 6000,
            recoveredMinor: 5000,
            recoveryRate: 0.8333,
            mrrSavedMinor: 2500,
            mrrLostMinor: 0,
          },
        ],
        live: 10,
        ended: 1,
        churn: 0.1,
      },
      {
        start: '2026-03-09T00:00:00.000Z',
        opened: 1,
        currencies: [
          {
            currency: 'USD',
            enteredMinor: 4000,
            recoveredMinor: 0,
            recoveryRate: 0,
            mrrSavedMinor: 3000,
            mrrLostMinor: 1000,
          },
        ],
        live: 9,
        ended: 1,
        // Over 9 live at the week's start and H4, which started in it.
        churn: 0.1,
      },
    ]);
  });

  it('reads a later sub-period on its own: only what happened in it', async () => {
    const m = await metrics(at('2026-03-09T00:00:00Z'), TO, 'week');
    expect(m.cases.opened).toBe(1);
    expect(m.churn).toEqual({
      subscriptionsLiveAtStart: 9,
      subscriptionsStarted: 1,
      subscriptionsEnded: 1,
      rate: 0.1,
    });
  });
});

describe('bad periods', () => {
  it.each([
    [TO, FROM, 'day', 'from'],
    [FROM, FROM, 'day', 'from'],
    [at('2020-01-01T00:00:00Z'), TO, 'day', 'to'],
    [FROM, TO, 'month', 'granularity'],
  ] as const)('refuses %s to %s by %s, naming %s', async (from, to, granularity, field) => {
    const result = await recoveryMetrics(world.db, {
      merchantId: world.merchantId,
      from,
      to,
      granularity: granularity as 'day',
      now: TO,
    });
    expect(result).toMatchObject({ ok: false, error: { code: 'invalid_field', field } });
  });

  it('shows another merchant nothing of this one', async () => {
    const m = unwrap(
      await recoveryMetrics(world.db, {
        merchantId: 'mer_nobody',
        from: FROM,
        to: TO,
        granularity: 'week',
        now: fixedClock(TO).now(),
      }),
    );
    expect(m.cases.opened).toBe(0);
    expect(m.currencies).toEqual([]);
    expect(m.churn.subscriptionsLiveAtStart).toBe(0);
    expect(m.atRisk.openCases).toBe(0);
  });
});
