// Recovery KPIs of one merchant over a period [from, to): revenue recovery rate, involuntary churn,
// MRR saved and lost, open cases and amount at risk, per day or week, and broken down by decline
// category, strategy and payment-method type. Every definition is in docs/metrics.md. Money is
// summed per currency, never across currencies.
import type { Db } from '../../adapters/db/connect.ts';
import { findMerchant } from '../../adapters/db/merchants.repo.ts';
import {
  listCohortCases,
  listDunningOutcomeEvents,
  listStateChanges,
  listSubscriptionStarts,
  sumOpenCasesByCurrency,
} from '../../adapters/db/metrics.repo.ts';
import { listStrategyNames } from '../../adapters/db/strategies.repo.ts';
import type { CaseStatus } from '../../domain/case/case.ts';
import {
  type Cohort,
  compareCohorts,
  controlShareOf,
  type GroupRate,
  type Interval,
} from '../../domain/experiment/control-group.ts';
import type { BillingInterval } from '../../domain/subscription/period.ts';
import { fail, ok, type Result } from '../result.ts';
import {
  type Bucket,
  bucketCount,
  bucketIndex,
  bucketsOf,
  GRANULARITIES,
  type Granularity,
  MAX_BUCKETS,
  monthlyMinor,
  rate,
} from './periods.ts';

export type RecoveryMetricsInput = {
  merchantId: string;
  from: Date;
  to: Date;
  granularity: Granularity;
  /** The merchant's business time: "now" of the open cases and amount at risk. */
  now: Date;
};

export type CaseCounts = Record<'opened' | CaseStatus, number>;

export type CurrencyFigures = {
  currency: string;
  /** Amount due of the cases opened in the window (everything that entered dunning with them). */
  enteredMinor: number;
  /** Of that, the amount of the cases that recovered (as of now). */
  recoveredMinor: number;
  recoveryRate: number | null;
  /** Monthly-normalized price of the subscriptions a recovery returned to active in the window. */
  mrrSavedMinor: number;
  /** Monthly-normalized price of the subscriptions dunning canceled or marked unpaid in the window. */
  mrrLostMinor: number;
};

export type Figures = {
  cases: CaseCounts;
  subscriptionsRecovered: number;
  subscriptionsEnded: number;
  currencies: CurrencyFigures[];
};

export type SeriesPoint = Figures & {
  start: Date;
  end: Date;
  subscriptionsLiveAtStart: number;
  subscriptionsStarted: number;
  churnRate: number | null;
};

export type BreakdownRow = Figures & { key: string; label: string };

export type RecoveryMetrics = Figures & {
  from: Date;
  to: Date;
  granularity: Granularity;
  asOf: Date;
  churn: {
    subscriptionsLiveAtStart: number;
    subscriptionsStarted: number;
    subscriptionsEnded: number;
    rate: number | null;
  };
  atRisk: { openCases: number; currencies: { currency: string; amountMinor: number }[] };
  series: SeriesPoint[];
  breakdowns: {
    category: BreakdownRow[];
    strategy: BreakdownRow[];
    paymentMethodType: BreakdownRow[];
  };
  controlGroup: ControlGroupFigures;
};

/** One group of the control-group comparison: the cases it opened in the period, and their money. */
export type GroupFigures = {
  cases: CaseCounts;
  recoveryRate: number | null;
  /** Wilson 95 % interval of the recovery rate by count. */
  interval: Interval | null;
  currencies: {
    currency: string;
    enteredMinor: number;
    recoveredMinor: number;
    recoveryRate: number | null;
  }[];
};

export type ControlGroupFigures = {
  /** The share of new cases the merchant holds out now. */
  share: number;
  treatment: GroupFigures;
  control: GroupFigures;
  /** Treatment's recovery rate minus control's, with its 95 % interval; null without both. */
  difference: number | null;
  interval: Interval | null;
  significant: boolean;
};

const STATE_EVENTS = [
  'subscription.active',
  'subscription.past_due',
  'subscription.unpaid',
  'subscription.canceled',
  'subscription.reactivated',
];
const LIVE_STATES = new Set(['active', 'past_due']);
/** Cases opened without a decline (a pay-link renewal, no payment method on file). */
const NO_DECLINE = 'none';

type CohortCase = {
  case_id: string;
  opened_at: Date;
  status: CaseStatus;
  amount_due_minor: number;
  currency: string;
  strategy_id: string;
  payment_method_type: string;
  cohort: Cohort;
  opening_category: string | null;
};

type Outcome = {
  kind: 'saved' | 'lost';
  subscription_id: string;
  occurred_at: Date;
  currency: string;
  mrrMinor: number;
  strategy_id: string;
  payment_method_type: string;
  opening_category: string | null;
};

export async function recoveryMetrics(
  db: Db,
  input: RecoveryMetricsInput,
): Promise<Result<RecoveryMetrics>> {
  const { merchantId, from, to, granularity } = input;
  if (!GRANULARITIES.includes(granularity))
    return fail(
      'invalid_field',
      `granularity must be one of ${GRANULARITIES.join(', ')}`,
      'granularity',
    );
  if (Number.isNaN(from.getTime())) return fail('invalid_field', 'from must be a date', 'from');
  if (Number.isNaN(to.getTime())) return fail('invalid_field', 'to must be a date', 'to');
  if (from.getTime() >= to.getTime())
    return fail('invalid_field', 'from must be before to', 'from');
  if (bucketCount(from, to, granularity) > MAX_BUCKETS)
    return fail(
      'invalid_field',
      `the period spans more than ${MAX_BUCKETS} ${granularity}s; shorten it or use a coarser granularity`,
      'to',
    );

  const buckets = bucketsOf(from, to, granularity);
  const [cohort, outcomes, exposure, atRisk, strategyNames, merchant] = await Promise.all([
    cohortCases(db, merchantId, from, to),
    dunningOutcomes(db, merchantId, from, to),
    liveSubscriptionsAt(db, merchantId, buckets),
    openCasesNow(db, merchantId),
    listStrategyNames(db, merchantId),
    findMerchant(db, merchantId),
  ]);

  const total = new Tally();
  const series = buckets.map(() => new Tally());
  const byCategory = new Map<string, Tally>();
  const byStrategy = new Map<string, Tally>();
  const byType = new Map<string, Tally>();
  const tallies = (c: {
    opening_category: string | null;
    strategy_id: string;
    payment_method_type: string;
  }) => [
    tallyOf(byCategory, c.opening_category ?? NO_DECLINE),
    tallyOf(byStrategy, c.strategy_id),
    tallyOf(byType, c.payment_method_type),
  ];
  for (const c of cohort) {
    const bucket = series[bucketIndex(buckets, c.opened_at)];
    for (const t of [total, ...(bucket ? [bucket] : []), ...tallies(c)]) t.addCase(c);
  }
  for (const o of outcomes) {
    const bucket = series[bucketIndex(buckets, o.occurred_at)];
    for (const t of [total, ...(bucket ? [bucket] : []), ...tallies(o)]) t.addOutcome(o);
  }

  const names = new Map(strategyNames.map((s) => [s.strategy_id, s.name]));
  const rows = (m: Map<string, Tally>, label: (key: string) => string): BreakdownRow[] =>
    [...m.entries()]
      .map(([key, t]) => ({ key, label: label(key), ...t.figures() }))
      .sort((a, b) => b.cases.opened - a.cases.opened || a.key.localeCompare(b.key));
  const totals = total.figures();
  const liveAtStarts = exposure.liveAtStart;
  const liveAtStart = liveAtStarts[0] ?? 0;
  // Subscriptions that started during a window can end in it: they count in its denominator too,
  // so a growing customer base never shows more churned than there were subscriptions.
  const startedDuring = exposure.startedIn.reduce((a, b) => a + b, 0);
  return ok({
    from,
    to,
    granularity,
    asOf: input.now,
    ...totals,
    churn: {
      subscriptionsLiveAtStart: liveAtStart,
      subscriptionsStarted: startedDuring,
      subscriptionsEnded: totals.subscriptionsEnded,
      rate: rate(totals.subscriptionsEnded, liveAtStart + startedDuring),
    },
    atRisk,
    series: buckets.map((b, i) => {
      const figures = series[i]!.figures();
      const live = liveAtStarts[i] ?? 0;
      const startedIn = exposure.startedIn[i] ?? 0;
      return {
        start: b.start,
        end: b.end,
        ...figures,
        subscriptionsLiveAtStart: live,
        subscriptionsStarted: startedIn,
        churnRate: rate(figures.subscriptionsEnded, live + startedIn),
      };
    }),
    breakdowns: {
      category: rows(byCategory, (k) => (k === NO_DECLINE ? 'no decline' : k)),
      strategy: rows(byStrategy, (k) => names.get(k) ?? k),
      paymentMethodType: rows(byType, (k) => k),
    },
    controlGroup: controlGroupOf(
      cohort,
      merchant ? controlShareOf(merchant.settings, merchant.mode) : 0,
    ),
  });
}

/** Recovery of the cases opened in the period, treatment beside control (docs/metrics.md). */
function controlGroupOf(cases: readonly CohortCase[], share: number): ControlGroupFigures {
  const groups = { treatment: new Tally(), control: new Tally() };
  for (const c of cases) groups[c.cohort].addCase(c);
  const [t, c] = [groups.treatment.figures(), groups.control.figures()];
  const uplift = compareCohorts(
    { cases: t.cases.opened, recovered: t.cases.recovered },
    { cases: c.cases.opened, recovered: c.cases.recovered },
  );
  const group = (f: Figures, r: GroupRate): GroupFigures => ({
    cases: f.cases,
    recoveryRate: rate(f.cases.recovered, f.cases.opened),
    interval: r.interval,
    currencies: f.currencies.map((m) => ({
      currency: m.currency,
      enteredMinor: m.enteredMinor,
      recoveredMinor: m.recoveredMinor,
      recoveryRate: m.recoveryRate,
    })),
  });
  return {
    share,
    treatment: group(t, uplift.treatment),
    control: group(c, uplift.control),
    difference: uplift.difference,
    interval: uplift.interval,
    significant: uplift.significant,
  };
}

function tallyOf(m: Map<string, Tally>, key: string): Tally {
  let t = m.get(key);
  if (!t) {
    t = new Tally();
    m.set(key, t);
  }
  return t;
}

/** Sums for one window or one breakdown key. Subscriptions count once per window. */
class Tally {
  private readonly cases: CaseCounts = {
    opened: 0,
    open: 0,
    recovered: 0,
    canceled: 0,
    unpaid: 0,
    stopped: 0,
  };
  private readonly money = new Map<string, { entered: number; recovered: number }>();
  private readonly saved = new Map<string, { currency: string; mrr: number }>();
  private readonly lost = new Map<string, { currency: string; mrr: number }>();

  addCase(c: CohortCase): void {
    this.cases.opened += 1;
    this.cases[c.status] += 1;
    const m = this.money.get(c.currency) ?? { entered: 0, recovered: 0 };
    m.entered += c.amount_due_minor;
    if (c.status === 'recovered') m.recovered += c.amount_due_minor;
    this.money.set(c.currency, m);
  }

  addOutcome(o: Outcome): void {
    (o.kind === 'saved' ? this.saved : this.lost).set(o.subscription_id, {
      currency: o.currency,
      mrr: o.mrrMinor,
    });
  }

  figures(): Figures {
    const currencies = new Set([
      ...this.money.keys(),
      ...[...this.saved.values()].map((s) => s.currency),
      ...[...this.lost.values()].map((s) => s.currency),
    ]);
    const mrr = (m: Map<string, { currency: string; mrr: number }>, currency: string) =>
      [...m.values()].filter((s) => s.currency === currency).reduce((n, s) => n + s.mrr, 0);
    return {
      cases: { ...this.cases },
      subscriptionsRecovered: this.saved.size,
      subscriptionsEnded: this.lost.size,
      currencies: [...currencies].sort().map((currency) => {
        const m = this.money.get(currency) ?? { entered: 0, recovered: 0 };
        return {
          currency,
          enteredMinor: m.entered,
          recoveredMinor: m.recovered,
          recoveryRate: rate(m.recovered, m.entered),
          mrrSavedMinor: mrr(this.saved, currency),
          mrrLostMinor: mrr(this.lost, currency),
        };
      }),
    };
  }
}

async function cohortCases(
  db: Db,
  merchantId: string,
  from: Date,
  to: Date,
): Promise<CohortCase[]> {
  return listCohortCases(db, merchantId, from, to);
}

/**
 * Subscriptions a case returned to active (saved) or ended (lost) in the window: the state events
 * a recovered case, or a case whose final step canceled or marked unpaid, wrote for its
 * subscription and, for a group, its members.
 */
async function dunningOutcomes(
  db: Db,
  merchantId: string,
  from: Date,
  to: Date,
): Promise<Outcome[]> {
  const rows = await listDunningOutcomeEvents(db, merchantId, from, to);
  return rows.map((r) => ({
    kind: r.type === 'subscription.active' ? 'saved' : 'lost',
    subscription_id: r.subscription_id,
    occurred_at: r.occurred_at,
    currency: r.currency,
    mrrMinor: monthlyMinor(r.price_minor, r.billing_interval as BillingInterval, r.interval_count),
    strategy_id: r.strategy_id,
    payment_method_type: r.payment_method_type,
    opening_category: r.opening_category,
  }));
}

/**
 * Live subscriptions (active or past due) at each bucket's start. A subscription has started at
 * its first period's start, or its first state change if earlier; its state at t is the one its
 * last state change before t set, active if none.
 */
async function liveSubscriptionsAt(
  db: Db,
  merchantId: string,
  buckets: Bucket[],
): Promise<{ liveAtStart: number[]; startedIn: number[] }> {
  const first = buckets[0];
  const last = buckets[buckets.length - 1];
  if (!first || !last) return { liveAtStart: [], startedIn: [] };
  const from = first.start;
  const to = last.end;
  const [subs, changes] = await Promise.all([
    listSubscriptionStarts(db, merchantId, from, STATE_EVENTS),
    listStateChanges(db, merchantId, { from, to }, STATE_EVENTS),
  ]);

  type Change =
    | { at: number; kind: 'start'; id: string }
    | { at: number; kind: 'change'; id: string; to: string };
  const state = new Map<string, string>();
  const started = new Set<string>();
  const items: Change[] = [];
  let live = 0;
  for (const s of subs) {
    const firstChange = s.first_change_at ? new Date(s.first_change_at).getTime() : Infinity;
    const startedAt = Math.min(s.anchor_at.getTime(), firstChange);
    state.set(s.subscription_id, s.state_before ?? 'active');
    if (startedAt < from.getTime()) {
      started.add(s.subscription_id);
      if (LIVE_STATES.has(s.state_before ?? 'active')) live += 1;
    } else if (startedAt < to.getTime()) {
      items.push({ at: startedAt, kind: 'start', id: s.subscription_id });
    }
  }
  for (const c of changes)
    if (c.subscription_id)
      items.push({ at: c.occurred_at.getTime(), kind: 'change', id: c.subscription_id, to: c.to });
  // At one instant a subscription starts before its first state change applies.
  items.sort((a, b) => a.at - b.at || (a.kind === b.kind ? 0 : a.kind === 'start' ? -1 : 1));

  const counts: number[] = [];
  const startedIn: number[] = [];
  let next = 0;
  for (const b of buckets) {
    for (; next < items.length && items[next]!.at < b.start.getTime(); next++) {
      const item = items[next]!;
      const before = state.get(item.id) ?? 'active';
      if (item.kind === 'start') {
        started.add(item.id);
        if (LIVE_STATES.has(before)) live += 1;
        continue;
      }
      state.set(item.id, item.to);
      if (started.has(item.id))
        live += (LIVE_STATES.has(item.to) ? 1 : 0) - (LIVE_STATES.has(before) ? 1 : 0);
    }
    counts.push(live);
    startedIn.push(
      items.filter((i) => i.kind === 'start' && i.at >= b.start.getTime() && i.at < b.end.getTime())
        .length,
    );
  }
  return { liveAtStart: counts, startedIn };
}

async function openCasesNow(db: Db, merchantId: string): Promise<RecoveryMetrics['atRisk']> {
  const rows = await sumOpenCasesByCurrency(db, merchantId);
  return {
    openCases: rows.reduce((n, r) => n + Number(r.cases), 0),
    currencies: rows.map((r) => ({ currency: r.currency, amountMinor: Number(r.amount) })),
  };
}
