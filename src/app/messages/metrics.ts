// Email metrics (SPEC section 5) by strategy and step, over a period of send times:
// - sent: emails handed to the SMTP server (accepted, or refused on the spot: a bounce);
// - delivered: sent and not bounced (mail systems report bounces, rarely deliveries);
// - bounced: refused at send time or reported later by a DSN or a bounce notice;
// - clicks: visits of the update links the emails carried (clicked: emails visited at least once);
// - recoveries: cases recovered within N days after an email of the group was sent.
// Hard-decline emails (SPEC section 4) can be left out.
import type { Db } from '../../adapters/db/connect.ts';
import { countEmails } from '../../adapters/db/metrics.repo.ts';

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
  const { totals, groups } = await countEmails(db, input);
  return {
    totals: countsOf(totals),
    groups: groups
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
