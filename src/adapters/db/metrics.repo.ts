// Aggregates for the metrics pages, each one statement over its period.
import { sql } from 'kysely';
import type { Db } from './connect.ts';

export type EmailCountRow = {
  sent: number;
  delivered: number;
  bounced: number;
  clicks: number;
  clicked: number;
  recoveries: number;
};

export type EmailCountFilters = {
  merchantId: string;
  from?: Date | null;
  to?: Date | null;
  includeHardDecline: boolean;
  recoveryDays: number;
  strategyId?: string | null;
  step?: string | null;
};

/** Email counts over a period of send times: in total, and by strategy and step. */
export async function countEmails(
  db: Db,
  input: EmailCountFilters,
): Promise<{
  totals: EmailCountRow | undefined;
  groups: (EmailCountRow & {
    strategy_id: string | null;
    strategy_name: string | null;
    step: string;
  })[];
}> {
  const where = sql`
    g.merchant_id = ${input.merchantId}
    AND g.channel = 'email'
    AND g.status IN ('sent', 'delivered', 'bounced')
    AND g.sent_at IS NOT NULL
    ${input.from ? sql`AND g.sent_at >= ${input.from}` : sql``}
    ${input.to ? sql`AND g.sent_at < ${input.to}` : sql``}
    ${input.includeHardDecline ? sql`` : sql`AND NOT g.hard_decline`}
    ${input.strategyId ? sql`AND g.strategy_id = ${input.strategyId}` : sql``}
    ${input.step ? sql`AND g.step = ${input.step}` : sql``}`;
  const counts = sql`
    count(*)::int AS sent,
    (count(*) FILTER (WHERE g.status IN ('sent', 'delivered')))::int AS delivered,
    (count(*) FILTER (WHERE g.status = 'bounced'))::int AS bounced,
    coalesce(sum(l.visits), 0)::int AS clicks,
    (count(*) FILTER (WHERE l.visits > 0))::int AS clicked,
    (count(DISTINCT g.case_id) FILTER (
      WHERE c.status = 'recovered'
        AND c.closed_at >= g.sent_at
        AND c.closed_at <= g.sent_at + make_interval(days => ${input.recoveryDays}::int)
    ))::int AS recoveries`;
  const joins = sql`
    LEFT JOIN update_links l ON l.merchant_id = g.merchant_id AND l.link_id = g.update_link_id
    LEFT JOIN dunning_cases c ON c.merchant_id = g.merchant_id AND c.case_id = g.case_id`;

  const totals = await sql<EmailCountRow>`
    SELECT ${counts} FROM messages g ${joins} WHERE ${where}`.execute(db);
  const groups = await sql<
    EmailCountRow & { strategy_id: string | null; strategy_name: string | null; step: string }
  >`
    SELECT g.strategy_id, s.name AS strategy_name, g.step, ${counts}
    FROM messages g ${joins}
    LEFT JOIN strategies s ON s.merchant_id = g.merchant_id AND s.strategy_id = g.strategy_id
    WHERE ${where}
    GROUP BY g.strategy_id, s.name, g.step`.execute(db);
  return { totals: totals.rows[0], groups: groups.rows };
}

/** The category of the decline that opened the case (its dunning_case.opened event). */
const openingCategory = sql<string | null>`(
  SELECT e.data->>'category' FROM events e
  WHERE e.merchant_id = c.merchant_id AND e.case_id = c.case_id AND e.type = 'dunning_case.opened'
  ORDER BY e.event_id LIMIT 1)`;

/** Cases opened in [from, to), with the category of the decline that opened each. */
export async function listCohortCases(db: Db, merchantId: string, from: Date, to: Date) {
  return db
    .selectFrom('dunning_cases as c')
    .select([
      'c.case_id',
      'c.opened_at',
      'c.status',
      'c.amount_due_minor',
      'c.currency',
      'c.strategy_id',
      'c.payment_method_type',
      'c.cohort',
      openingCategory.as('opening_category'),
    ])
    .where('c.merchant_id', '=', merchantId)
    .where('c.opened_at', '>=', from)
    .where('c.opened_at', '<', to)
    .execute();
}

/**
 * Subscription state events in [from, to) that a case caused: back to active by a recovered case,
 * canceled or unpaid by a case that ended so; oldest first, with the subscription and the case.
 */
export async function listDunningOutcomeEvents(db: Db, merchantId: string, from: Date, to: Date) {
  return db
    .selectFrom('events as e')
    .innerJoin('dunning_cases as c', (j) =>
      j.onRef('c.merchant_id', '=', 'e.merchant_id').onRef('c.case_id', '=', 'e.case_id'),
    )
    .innerJoin('subscriptions as s', (j) =>
      j
        .onRef('s.merchant_id', '=', 'e.merchant_id')
        .onRef('s.subscription_id', '=', 'e.subscription_id'),
    )
    .select([
      'e.type',
      'e.occurred_at',
      's.subscription_id',
      's.price_minor',
      's.currency',
      's.billing_interval',
      's.interval_count',
      'c.strategy_id',
      'c.payment_method_type',
      openingCategory.as('opening_category'),
    ])
    .where('e.merchant_id', '=', merchantId)
    .where('e.occurred_at', '>=', from)
    .where('e.occurred_at', '<', to)
    .where((eb) =>
      eb.or([
        eb.and([eb('e.type', '=', 'subscription.active'), eb('c.status', '=', 'recovered')]),
        eb.and([
          eb('e.type', 'in', ['subscription.canceled', 'subscription.unpaid']),
          eb('c.status', 'in', ['canceled', 'unpaid']),
        ]),
      ]),
    )
    .orderBy('e.event_id')
    .execute();
}

/**
 * Every subscription of the merchant with its anchor, its first state change, and the state its
 * last state change before `from` set.
 */
export async function listSubscriptionStarts(
  db: Db,
  merchantId: string,
  from: Date,
  stateEvents: string[],
) {
  return db
    .selectFrom('subscriptions as s')
    .select([
      's.subscription_id',
      's.anchor_at',
      sql<Date | null>`(
        SELECT min(e.occurred_at) FROM events e
        WHERE e.merchant_id = s.merchant_id AND e.subscription_id = s.subscription_id
          AND e.type IN (${sql.join(stateEvents)}))`.as('first_change_at'),
      sql<string | null>`(
        SELECT e.data->>'to' FROM events e
        WHERE e.merchant_id = s.merchant_id AND e.subscription_id = s.subscription_id
          AND e.type IN (${sql.join(stateEvents)}) AND e.occurred_at < ${from}
        ORDER BY e.occurred_at DESC, e.event_id DESC LIMIT 1)`.as('state_before'),
    ])
    .where('s.merchant_id', '=', merchantId)
    .execute();
}

/** State events of the merchant's subscriptions in [from, to), oldest first. */
export async function listStateChanges(
  db: Db,
  merchantId: string,
  period: { from: Date; to: Date },
  stateEvents: string[],
) {
  const { from, to } = period;
  return db
    .selectFrom('events')
    .select(['subscription_id', 'occurred_at', sql<string>`data->>'to'`.as('to')])
    .where('merchant_id', '=', merchantId)
    .where('subscription_id', 'is not', null)
    .where('type', 'in', stateEvents)
    .where('occurred_at', '>=', from)
    .where('occurred_at', '<', to)
    .orderBy('occurred_at')
    .orderBy('event_id')
    .execute();
}

/** Open cases and the amount they are owed, by currency. */
export async function sumOpenCasesByCurrency(db: Db, merchantId: string) {
  return db
    .selectFrom('dunning_cases')
    .select([
      'currency',
      (eb) => eb.fn.countAll<number>().as('cases'),
      (eb) => eb.fn.sum<number>('amount_due_minor').as('amount'),
    ])
    .where('merchant_id', '=', merchantId)
    .where('status', '=', 'open')
    .groupBy('currency')
    .orderBy('currency')
    .execute();
}

// --- the demo's closing report ---

/** The merchant's cases by status. */
export async function countCasesByStatus(db: Db, merchantId: string) {
  return db
    .selectFrom('dunning_cases')
    .select(['status', (eb) => eb.fn.countAll<number>().as('count')])
    .where('merchant_id', '=', merchantId)
    .groupBy('status')
    .execute();
}

/** Cases and the amount due, by status and currency. */
export async function sumCasesByStatusAndCurrency(db: Db, merchantId: string) {
  return db
    .selectFrom('dunning_cases')
    .select([
      'status',
      'currency',
      (eb) => eb.fn.countAll<number>().as('count'),
      (eb) => eb.fn.sum<number>('amount_due_minor').as('amount_minor'),
    ])
    .where('merchant_id', '=', merchantId)
    .groupBy(['status', 'currency'])
    .execute();
}

/** Retries made over all the merchant's cases. */
export async function sumRetriesMade(db: Db, merchantId: string) {
  return db
    .selectFrom('dunning_cases')
    .select((eb) => eb.fn.sum<number | null>('retries_made').as('retries'))
    .where('merchant_id', '=', merchantId)
    .executeTakeFirst();
}

/** Renewal charges that succeeded, by currency. */
export async function sumSucceededRenewalsByCurrency(db: Db, merchantId: string) {
  return db
    .selectFrom('payment_attempts')
    .select([
      'currency',
      (eb) => eb.fn.countAll<number>().as('count'),
      (eb) => eb.fn.sum<number>('amount_minor').as('amount_minor'),
    ])
    .where('merchant_id', '=', merchantId)
    .where('purpose', '=', 'renewal')
    .where('status', '=', 'succeeded')
    .groupBy('currency')
    .execute();
}

/** Renewal charges that succeeded. */
export async function countSucceededRenewalAttempts(db: Db, merchantId: string) {
  return db
    .selectFrom('payment_attempts')
    .select((eb) => eb.fn.countAll<number>().as('count'))
    .where('merchant_id', '=', merchantId)
    .where('purpose', '=', 'renewal')
    .where('status', '=', 'succeeded')
    .executeTakeFirst();
}
