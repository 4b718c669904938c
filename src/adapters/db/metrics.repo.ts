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
