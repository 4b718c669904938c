// What lies ahead of a case, as a message tells the customer: when we try again, and what happens
// on which day if the payment is still missing. Read from the case and the strategy version it runs.
import { type CaseData, currentStepAt, entryDueAt, retryGate, schedule } from '../case/case.ts';
import type { FinalAction, StrategyDefinition } from '../strategy/strategy.ts';

const DAY_MS = 86_400_000;

export type CaseOutlook = {
  /** The next automatic charge, or null when none is planned (pay link, awaiting a new method). */
  readonly nextRetryAt: Date | null;
  readonly finalAction: FinalAction;
  /** When the final action runs (open case) or ran (closed case). */
  readonly finalActionAt: Date;
  /** Whole days from now until the final action, 0 once it is due or done. */
  readonly daysUntilFinalAction: number;
};

export function caseOutlook(
  c: CaseData,
  def: StrategyDefinition,
  now: Date,
  closedAt: Date | null = null,
): CaseOutlook {
  const entries = schedule(def);
  const finalIndex = entries.length - 1;
  const finalActionAt = c.status !== 'open' && closedAt ? closedAt : entryDueAt(c, def, finalIndex);
  return {
    nextRetryAt: c.status === 'open' ? nextRetryAt(c, def, now) : null,
    finalAction: def.final.action,
    finalActionAt,
    daysUntilFinalAction: Math.max(
      0,
      Math.ceil((finalActionAt.getTime() - now.getTime()) / DAY_MS),
    ),
  };
}

function nextRetryAt(c: CaseData, def: StrategyDefinition, now: Date): Date | null {
  if (!retryGate(c).allowed) return null;
  const upcoming: Date[] = [];
  for (const extra of [c.renewalRetryAt, c.quickRetryAt]) {
    if (extra && extra.getTime() >= now.getTime()) upcoming.push(extra);
  }
  for (const entry of schedule(def)) {
    if (entry.kind !== 'step' || !entry.retry || entry.index < c.stepIndex) continue;
    const due =
      entry.index === c.stepIndex ? currentStepAt(c, def) : entryDueAt(c, def, entry.index);
    if (due.getTime() >= now.getTime()) {
      upcoming.push(due);
      break;
    }
  }
  if (upcoming.length === 0) return null;
  return upcoming.reduce((a, b) => (b.getTime() < a.getTime() ? b : a));
}
