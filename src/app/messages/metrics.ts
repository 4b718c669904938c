// Email metrics (SPEC section 5) by strategy and step, over a period of send times:
// - sent: emails handed to the SMTP server (accepted, or refused on the spot: a bounce);
// - delivered: sent and not bounced (mail systems report bounces, rarely deliveries);
// - bounced: refused at send time or reported later by a DSN or a bounce notice;
// - clicks: visits of the update links the emails carried (clicked: emails visited at least once);
// - recoveries: cases recovered within N days after an email of the group was sent.
// Hard-decline emails (SPEC section 4) can be left out.
import { sql } from 'kysely';
import type { Db } from '../../adapters/db/connect.ts';

export type EmailMetricsInput = {
  merchantId: string;
  /** Emails sent at or after this instant. */
  from?: Date | null;
  /** Emails sent before this instant. */
  to?: Date | null;
  includeHardDecline: boolean;
  recoveryDays: number;
  strategyId?: string | null;
  step?: string | null;
};

export type EmailCounts = {
  sent: number;
  delivered: number;
  bounced: number;
  clicks: number;
  clicked: number;
  recoveries: number;
};

export type EmailMetricsGroup = EmailCounts & {
  strategyId: string | null;
  strategyName: string | null;
  step: string;
};

export type EmailMetrics = { totals: EmailCounts; groups: EmailMetricsGroup[] };

export async function emailMetrics(db: Db, input: EmailMetricsInput): Promise<EmailMetrics> {
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

  const totals = await sql<EmailCounts>`
    SELECT ${counts} FROM messages g ${joins} WHERE ${where}`.execute(db);
  const groups = await sql<
    EmailCounts & { strategy_id: string | null; strategy_name: string | null; step: string }
  >`
    SELECT g.strategy_id, s.name AS strategy_name, g.step, ${counts}
    FROM messages g ${joins}
    LEFT JOIN strategies s ON s.merchant_id = g.merchant_id AND s.strategy_id = g.strategy_id
    WHERE ${where}
    GROUP BY g.strategy_id, s.name, g.step`.execute(db);
  return {
    totals: countsOf(totals.rows[0]),
    groups: groups.rows
      .map((r) => ({
        strategyId: r.strategy_id,
        strategyName: r.strategy_name,
        step: r.step,
        ...countsOf(r),
      }))
      .sort(
        (a, b) =>
          (a.strategyName ?? '').localeCompare(b.strategyName ?? '') ||
          (a.strategyId ?? '').localeCompare(b.strategyId ?? '') ||
          stepOrder(a.step) - stepOrder(b.step) ||
          a.step.localeCompare(b.step),
      ),
  };
}

function countsOf(row: Partial<EmailCounts> | undefined): EmailCounts {
  return {
    sent: Number(row?.sent ?? 0),
    delivered: Number(row?.delivered ?? 0),
    bounced: Number(row?.bounced ?? 0),
    clicks: Number(row?.clicks ?? 0),
    clicked: Number(row?.clicked ?? 0),
    recoveries: Number(row?.recoveries ?? 0),
  };
}

/** step_1, step_2, …, step_10, then final, then anything else (hard_decline). */
function stepOrder(step: string): number {
  const n = /^step_(\d+)$/.exec(step)?.[1];
  if (n) return Number(n);
  return step === 'final' ? 1_000 : 2_000;
}
