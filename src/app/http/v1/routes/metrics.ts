// GET /v1/metrics: the recovery KPIs the dashboard charts, for a period [from, to) by day or week.
// Definitions: docs/metrics.md. Money is per currency, in minor units, never summed across them.

import type { Interval } from '../../../../domain/experiment/control-group.ts';
import type { Granularity } from '../../../metrics/periods.ts';
import { GRANULARITIES } from '../../../metrics/periods.ts';
import {
  type BreakdownRow,
  type Figures,
  type GroupFigures,
  type RecoveryMetrics,
  recoveryMetrics,
} from '../../../metrics/recovery.ts';
import { callerNow, errorResponses, sendResult, type V1Plugin } from '../kit.ts';

const DEFAULT_PERIOD_DAYS = 30;
const DAY_MS = 86_400_000;

const int = { type: 'integer' } as const;
const rate = {
  type: ['number', 'null'],
  description: 'A ratio from 0 to 1, four decimals; null when the denominator is 0.',
} as const;
const time = { type: 'string', format: 'date-time' } as const;

function obj(description: string, properties: Record<string, unknown>) {
  return { type: 'object', description, properties, required: Object.keys(properties) };
}

const casesSchema = obj('Cases opened in the window, by their status now.', {
  opened: int,
  open: int,
  recovered: int,
  canceled: int,
  unpaid: int,
  stopped: int,
});

const currencySchema = obj('Money figures of one currency, in its minor unit.', {
  currency: { type: 'string' },
  entered_in_cents: { ...int, description: 'Amount due of the cases opened in the window.' },
  recovered_in_cents: { ...int, description: 'Of it, the amount of the cases that recovered.' },
  recovery_rate: rate,
  mrr_saved_in_cents: {
    ...int,
    description: 'Monthly price of the subscriptions a recovery returned to active in the window.',
  },
  mrr_lost_in_cents: {
    ...int,
    description: 'Monthly price of the subscriptions dunning canceled or marked unpaid.',
  },
});

const figuresProperties = {
  cases: casesSchema,
  subscriptions_recovered: int,
  subscriptions_ended: { ...int, description: 'Canceled or marked unpaid by a dunning case.' },
  currencies: { type: 'array', items: currencySchema },
};

const breakdownSchema = {
  type: 'array',
  items: obj('The figures of one key.', {
    key: { type: 'string' },
    label: { type: 'string' },
    ...figuresProperties,
  }),
} as const;

const intervalSchema = {
  type: ['object', 'null'],
  description:
    '95 % interval (Wilson; Newcombe for a difference), four decimals; null without cases.',
  required: ['low', 'high'],
  properties: { low: { type: 'number' }, high: { type: 'number' } },
} as const;

const groupSchema = obj('One group: its cases by status now, and its recovery.', {
  cases: casesSchema,
  recovery_rate: rate,
  interval: intervalSchema,
  currencies: {
    type: 'array',
    items: obj('Money of one currency, in its minor unit.', {
      currency: { type: 'string' },
      entered_in_cents: int,
      recovered_in_cents: int,
      recovery_rate: rate,
    }),
  },
});

export const metricsSchema = obj('Recovery KPIs of the period (docs/metrics.md).', {
  object: { type: 'string', enum: ['recovery_metrics'] },
  from: time,
  to: time,
  granularity: { type: 'string', enum: GRANULARITIES },
  as_of: { ...time, description: 'The merchant’s now (a test merchant’s clock).' },
  ...figuresProperties,
  churn: obj('Involuntary churn over the period.', {
    subscriptions_live_at_start: int,
    subscriptions_started: int,
    subscriptions_ended: int,
    rate,
  }),
  at_risk: obj('Open cases now and the amount they are owed.', {
    open_cases: int,
    currencies: {
      type: 'array',
      items: obj('Amount due of the open cases of one currency.', {
        currency: { type: 'string' },
        amount_in_cents: int,
      }),
    },
  }),
  series: {
    type: 'array',
    items: obj('One day or week of the period.', {
      start: time,
      end: time,
      ...figuresProperties,
      subscriptions_live_at_start: int,
      subscriptions_started: int,
      churn_rate: rate,
    }),
  },
  breakdowns: obj('The period’s figures by key.', {
    decline_category: breakdownSchema,
    strategy: breakdownSchema,
    payment_method_type: breakdownSchema,
  }),
  control_group: obj(
    'Cases opened in the period, smart retries (treatment) beside the held-out control group that ran the same strategy at fixed step times; the difference of their recovery rates by count, with its 95 % interval.',
    {
      share: { type: 'number', description: 'Share of new cases the merchant holds out now.' },
      treatment: groupSchema,
      control: groupSchema,
      difference: {
        type: ['number', 'null'],
        description: 'Treatment’s recovery rate minus control’s; null without cases in both.',
      },
      interval: intervalSchema,
      significant: {
        type: 'boolean',
        description: 'The interval excludes 0: the groups differ at the 95 % level.',
      },
    },
  ),
});

function presentFigures(f: Figures) {
  return {
    cases: f.cases,
    subscriptions_recovered: f.subscriptionsRecovered,
    subscriptions_ended: f.subscriptionsEnded,
    currencies: f.currencies.map((c) => ({
      currency: c.currency,
      entered_in_cents: c.enteredMinor,
      recovered_in_cents: c.recoveredMinor,
      recovery_rate: c.recoveryRate,
      mrr_saved_in_cents: c.mrrSavedMinor,
      mrr_lost_in_cents: c.mrrLostMinor,
    })),
  };
}

const presentRows = (rows: BreakdownRow[]) =>
  rows.map((r) => ({ key: r.key, label: r.label, ...presentFigures(r) }));

export function presentMetrics(m: RecoveryMetrics) {
  return {
    object: 'recovery_metrics' as const,
    from: m.from.toISOString(),
    to: m.to.toISOString(),
    granularity: m.granularity,
    as_of: m.asOf.toISOString(),
    ...presentFigures(m),
    churn: {
      subscriptions_live_at_start: m.churn.subscriptionsLiveAtStart,
      subscriptions_started: m.churn.subscriptionsStarted,
      subscriptions_ended: m.churn.subscriptionsEnded,
      rate: m.churn.rate,
    },
    at_risk: {
      open_cases: m.atRisk.openCases,
      currencies: m.atRisk.currencies.map((c) => ({
        currency: c.currency,
        amount_in_cents: c.amountMinor,
      })),
    },
    series: m.series.map((p) => ({
      start: p.start.toISOString(),
      end: p.end.toISOString(),
      ...presentFigures(p),
      subscriptions_live_at_start: p.subscriptionsLiveAtStart,
      subscriptions_started: p.subscriptionsStarted,
      churn_rate: p.churnRate,
    })),
    breakdowns: {
      decline_category: presentRows(m.breakdowns.category),
      strategy: presentRows(m.breakdowns.strategy),
      payment_method_type: presentRows(m.breakdowns.paymentMethodType),
    },
    control_group: {
      share: m.controlGroup.share,
      treatment: presentGroup(m.controlGroup.treatment),
      control: presentGroup(m.controlGroup.control),
      difference: round4(m.controlGroup.difference),
      interval: presentInterval(m.controlGroup.interval),
      significant: m.controlGroup.significant,
    },
  };
}

const round4 = (x: number | null) => (x === null ? null : Math.round(x * 10_000) / 10_000);

function presentInterval(i: Interval | null) {
  return i ? { low: round4(i.low)!, high: round4(i.high)! } : null;
}

function presentGroup(g: GroupFigures) {
  return {
    cases: g.cases,
    recovery_rate: g.recoveryRate,
    interval: presentInterval(g.interval),
    currencies: g.currencies.map((c) => ({
      currency: c.currency,
      entered_in_cents: c.enteredMinor,
      recovered_in_cents: c.recoveredMinor,
      recovery_rate: c.recoveryRate,
    })),
  };
}

const plugin: V1Plugin = async (app, { services }) => {
  app.get<{ Querystring: { from?: string; to?: string; granularity: Granularity } }>(
    '/metrics',
    {
      schema: {
        tags: ['metrics'],
        summary: 'Recovery KPIs for a period',
        description:
          'Revenue recovery rate, involuntary churn, MRR saved and lost, open cases and amount ' +
          'at risk, per day or week, and by decline category, strategy and payment-method type. ' +
          `The period is [from, to); \`to\` defaults to now and \`from\` to ${DEFAULT_PERIOD_DAYS} ` +
          'days before `to`. Buckets are UTC days or ISO weeks (Monday). Definitions: docs/metrics.md.',
        querystring: {
          type: 'object',
          additionalProperties: false,
          properties: {
            from: time,
            to: time,
            granularity: { type: 'string', enum: GRANULARITIES, default: 'day' },
          },
        },
        response: { 200: metricsSchema, ...errorResponses },
      },
    },
    async (request, reply) => {
      const q = request.query;
      const now = await callerNow(services, request.caller);
      const to = q.to !== undefined ? new Date(q.to) : now;
      const from =
        q.from !== undefined
          ? new Date(q.from)
          : new Date(to.getTime() - DEFAULT_PERIOD_DAYS * DAY_MS);
      const result = await recoveryMetrics(services.db, {
        merchantId: request.caller.merchantId,
        from,
        to,
        granularity: q.granularity,
        now,
      });
      return sendResult(reply, result, presentMetrics);
    },
  );
};

export default plugin;
