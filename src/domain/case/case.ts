// A dunning case walks its strategy's schedule, one entry at a time:
// - open:      steps remain; `stepIndex` points at the next schedule entry (steps, then the final step).
// - recovered: a payment cleared the amount due (a retry, a renewal, or payment by other means).
// - canceled / unpaid: the final step took its action.
// - stopped:   something outside the schedule ended it (subscription canceled, refund, dispute);
//              no retry or message goes out after it.
import { DateTime } from 'luxon';
import { blocksRetryUntilMethodChanges, type DeclineCategory } from '../declines/categories.ts';
import type { RuleVerdict } from '../network-rules/types.ts';
import { QUICK_RETRY_BUDGET, quickRetryAfterTemporary } from '../retry-timing/backoff.ts';
import { chooseRetryTime, type TimingDecision } from '../retry-timing/choose-retry-time.ts';
import type { PayCycle } from '../retry-timing/pay-cycle.ts';
import { retryBudgetLeft } from '../retry-timing/retry-budget.ts';
import {
  type FinalAction,
  type MessageSpec,
  type PaymentMethodType,
  type StrategyDefinition,
  stepDueAt,
} from '../strategy/strategy.ts';

export const CASE_STATUSES = ['open', 'recovered', 'canceled', 'unpaid', 'stopped'] as const;
export type CaseStatus = (typeof CASE_STATUSES)[number];

export type CaseData = {
  readonly status: CaseStatus;
  /** Time of the first failed charge: day 1 of the schedule. */
  readonly openedAt: Date;
  readonly stepIndex: number;
  readonly timeZone: string;
  readonly paymentMethodType: PaymentMethodType;
  /** Category of the latest decline on this case. */
  readonly lastCategory: DeclineCategory | null;
  /** Set by a decline that needs a new method (hard, update_method, SCA); cleared when the method changes. */
  readonly awaitingNewMethod: boolean;
  /** A renewal fell due between steps: charge the whole balance at this time without moving the schedule. */
  readonly renewalRetryAt: Date | null;
  /** Why the renewal retry is planned when it is not a renewal (e.g. the payment method was updated). */
  readonly renewalRetryReason?: string | null;
  /** When the current step runs, chosen inside its window by smart timing; null means its day's start. */
  readonly stepAt?: Date | null;
  /** A quick follow-up after a temporary error, outside the schedule (smart retries only). */
  readonly quickRetryAt?: Date | null;
  readonly quickRetries?: number;
  readonly lastDeclineAt?: Date | null;
  /** Automatic retries the case has sent so far (step, renewal and quick retries). */
  readonly retriesMade?: number;
  /**
   * Smart timing planned no retry for the step at `stepIndex` (no good moment in its window, or
   * the case's retries are spent): that step sends its message only, for this reason. Stale, and
   * ignored, once the case has moved to another step.
   */
  readonly skipRetry?: { readonly stepIndex: number; readonly why: string } | null;
};

export type ScheduleEntry =
  | {
      readonly kind: 'step';
      readonly index: number;
      readonly day: number;
      readonly retry: boolean;
      readonly message: MessageSpec;
    }
  | {
      readonly kind: 'final';
      readonly index: number;
      readonly day: number;
      readonly action: FinalAction;
      readonly message: MessageSpec;
    };

export function schedule(def: StrategyDefinition): ScheduleEntry[] {
  const steps: ScheduleEntry[] = def.steps.map((s, index) => ({
    kind: 'step',
    index,
    day: s.day,
    retry: s.retry,
    message: s.message,
  }));
  return [
    ...steps,
    {
      kind: 'final',
      index: steps.length,
      day: def.final.day,
      action: def.final.action,
      message: def.final.message,
    },
  ];
}

export function entryAt(def: StrategyDefinition, stepIndex: number): ScheduleEntry {
  const entries = schedule(def);
  // Past the end means the final entry: a case never outlives its final step.
  return entries[Math.min(stepIndex, entries.length - 1)]!;
}

export function entryDueAt(c: CaseData, def: StrategyDefinition, stepIndex: number): Date {
  return stepDueAt(c.openedAt, entryAt(def, stepIndex).day, c.timeZone);
}

/** When the current schedule entry runs: its planned time, or the start of its day. */
export function currentStepAt(c: CaseData, def: StrategyDefinition): Date {
  return c.stepAt ?? entryDueAt(c, def, c.stepIndex);
}

/** The next time the case needs the worker: its current step, or an earlier renewal or quick retry. */
export function nextActionAt(c: CaseData, def: StrategyDefinition): Date | null {
  if (c.status !== 'open') return null;
  let at = currentStepAt(c, def);
  for (const extra of [c.renewalRetryAt, c.quickRetryAt]) {
    if (extra && extra.getTime() < at.getTime()) at = extra;
  }
  return at;
}

export type RetryGate = { allowed: true; why: string } | { allowed: false; why: string };

/** Whether an automatic charge may go out now on this case's credential. */
export function retryGate(c: CaseData): RetryGate {
  if (c.paymentMethodType === 'pay_link') {
    return {
      allowed: false,
      why: 'pay_link methods cannot be charged by the engine; messages only',
    };
  }
  if (c.awaitingNewMethod && c.lastCategory && blocksRetryUntilMethodChanges(c.lastCategory)) {
    return {
      allowed: false,
      why: `last decline was ${c.lastCategory}: no retry on this credential until the payment method changes`,
    };
  }
  return {
    allowed: true,
    why: c.lastCategory
      ? `last decline was ${c.lastCategory}, which may be retried`
      : 'retry allowed',
  };
}

export type Decision =
  | { kind: 'wait'; until: Date; why: string }
  | { kind: 'retry'; stepIndex: number; scheduled: 'step' | 'renewal' | 'quick'; why: string }
  /** The step's retry is refused by a network rule until `until`, which is still inside the step's window. */
  | { kind: 'defer'; until: Date; why: string }
  | { kind: 'advance'; stepIndex: number; message: MessageSpec | null; why: string }
  | { kind: 'final'; action: FinalAction; message: MessageSpec | null; why: string }
  /** The renewal retry was due but may not be sent; the schedule stays where it is. */
  | { kind: 'drop_renewal_retry'; why: string }
  | { kind: 'drop_quick_retry'; why: string }
  | { kind: 'none'; why: string };

/**
 * What the worker should do with a case at `now`. Pure: the worker carries out the decision.
 * `verdict` is the card-network rules' answer for this credential (src/domain/network-rules);
 * a retry they refuse is never sent, and the decision says which rule refused it.
 */
export function decideNextStep(
  c: CaseData,
  def: StrategyDefinition,
  now: Date,
  verdict: RuleVerdict | null = null,
): Decision {
  if (c.status !== 'open')
    return { kind: 'none', why: `case is ${c.status}; nothing more is sent` };
  const due = nextActionAt(c, def)!;
  if (due.getTime() > now.getTime())
    return { kind: 'wait', until: due, why: 'next action is not due yet' };

  const entry = entryAt(def, c.stepIndex);
  const stepIsDue = currentStepAt(c, def).getTime() <= now.getTime();

  if (!stepIsDue) {
    // Only a retry outside the schedule is due: a renewal (or updated method), or a quick retry.
    const renewal = c.renewalRetryAt !== null && c.renewalRetryAt.getTime() <= now.getTime();
    const label = renewal
      ? (c.renewalRetryReason ?? 'renewal at period end')
      : 'quick retry after a temporary error';
    const gate = retryGate(c);
    const refusal = !gate.allowed
      ? gate.why
      : verdict && !verdict.allowed
        ? `network rule ${verdict.rule}: ${verdict.why}`
        : null;
    if (refusal === null)
      return {
        kind: 'retry',
        stepIndex: c.stepIndex,
        scheduled: renewal ? 'renewal' : 'quick',
        why: `${label}; ${verdict?.allowed ? verdict.why : gate.why}`,
      };
    return renewal
      ? { kind: 'drop_renewal_retry', why: `renewal retry skipped: ${refusal}` }
      : { kind: 'drop_quick_retry', why: `quick retry skipped: ${refusal}` };
  }

  const label = `day ${entry.day} ${entry.kind === 'final' ? 'final step' : `step ${entry.index + 1}`}`;
  const message = entry.message.enabled ? entry.message : null;
  switch (entry.kind) {
    case 'final':
      return {
        kind: 'final',
        action: entry.action,
        message,
        why: `${label}: final action ${entry.action}`,
      };
    case 'step': {
      if (!entry.retry)
        return {
          kind: 'advance',
          stepIndex: c.stepIndex,
          message,
          why: `${label}: message only, no retry on this step`,
        };
      const gate = retryGate(c);
      if (!gate.allowed)
        return {
          kind: 'advance',
          stepIndex: c.stepIndex,
          message,
          why: `${label}: retry skipped: ${gate.why}`,
        };
      if (c.skipRetry && c.skipRetry.stepIndex === c.stepIndex)
        return {
          kind: 'advance',
          stepIndex: c.stepIndex,
          message,
          why: `${label}: ${c.skipRetry.why}`,
        };
      if (verdict && !verdict.allowed) {
        const nextEntryAt = entryDueAt(c, def, c.stepIndex + 1);
        if (verdict.notBefore && verdict.notBefore.getTime() < nextEntryAt.getTime())
          return {
            kind: 'defer',
            until: verdict.notBefore,
            why: `${label}: retry waits for network rule ${verdict.rule}: ${verdict.why}`,
          };
        return {
          kind: 'advance',
          stepIndex: c.stepIndex,
          message,
          why: `${label}: retry skipped by network rule ${verdict.rule}: ${verdict.why}`,
        };
      }
      return {
        kind: 'retry',
        stepIndex: c.stepIndex,
        scheduled: 'step',
        why: `${label}: ${verdict?.allowed ? `${gate.why}; ${verdict.why}` : gate.why}`,
      };
    }
    default: {
      const unreachable: never = entry;
      return unreachable;
    }
  }
}

export type AttemptOutcome =
  | { kind: 'succeeded' }
  | { kind: 'declined'; category: DeclineCategory }
  /** The gateway did not answer: the charge may or may not have happened. */
  | { kind: 'unknown' };

export type CaseUpdate = {
  readonly case: CaseData;
  /** The step's message to send now, if the case is still open and the step has one. */
  readonly message: MessageSpec | null;
  readonly why: string;
};

/** Re-ask the gateway about an unanswered charge, with the same idempotency key, after this long. */
export const UNKNOWN_OUTCOME_RECHECK_MS = 15 * 60_000;

/** Applies a retry's result to the case. A step retry moves the schedule on; a renewal retry does not. */
export function afterAttempt(
  c: CaseData,
  def: StrategyDefinition,
  decision: Extract<Decision, { kind: 'retry' }>,
  outcome: AttemptOutcome,
  now: Date,
): CaseUpdate & { recheckAt: Date | null } {
  switch (outcome.kind) {
    case 'succeeded':
      return {
        case: { ...c, status: 'recovered', renewalRetryAt: null, quickRetryAt: null },
        message: null,
        recheckAt: null,
        why: 'payment succeeded; case recovered',
      };
    case 'unknown':
      return {
        case: c,
        message: null,
        recheckAt: new Date(now.getTime() + UNKNOWN_OUTCOME_RECHECK_MS),
        why: 'gateway did not answer; the same charge is re-sent later with its idempotency key',
      };
    case 'declined': {
      const awaiting = blocksRetryUntilMethodChanges(outcome.category);
      const declined = {
        ...c,
        lastCategory: outcome.category,
        awaitingNewMethod: awaiting,
        lastDeclineAt: now,
      };
      if (decision.scheduled === 'quick') {
        return {
          case: { ...declined, quickRetryAt: null, quickRetries: (c.quickRetries ?? 0) + 1 },
          message: null,
          recheckAt: null,
          why: `quick retry declined (${outcome.category}); schedule continues`,
        };
      }
      if (decision.scheduled === 'renewal') {
        return {
          case: { ...declined, renewalRetryAt: null, renewalRetryReason: null },
          message: null,
          recheckAt: null,
          why: `renewal declined (${outcome.category}); schedule continues`,
        };
      }
      const entry = entryAt(def, decision.stepIndex);
      const message = entry.message.enabled ? entry.message : null;
      // The step retry charged the whole amount due, so an overdue renewal retry is covered by it.
      const renewalRetryAt =
        c.renewalRetryAt && c.renewalRetryAt.getTime() <= now.getTime() ? null : c.renewalRetryAt;
      const quickRetryAt =
        c.quickRetryAt && c.quickRetryAt.getTime() <= now.getTime() ? null : c.quickRetryAt;
      return {
        // The next step's time is planned afresh (planNext) from this decline.
        case: {
          ...declined,
          stepIndex: decision.stepIndex + 1,
          stepAt: null,
          renewalRetryAt,
          quickRetryAt,
        },
        message,
        recheckAt: null,
        why: `retry declined (${outcome.category}); moving to the next step`,
      };
    }
    default: {
      const unreachable: never = outcome;
      return unreachable;
    }
  }
}

/** A renewal fell due on a past-due subscription: fold it into a retry step that day, or retry at once. */
export function renewalWhilePastDue(
  c: CaseData,
  def: StrategyDefinition,
  periodEndAt: Date,
): { retryAt: Date | null; why: string } {
  const localDay = DateTime.fromJSDate(periodEndAt, { zone: c.timeZone }).toISODate();
  const entries = schedule(def).slice(c.stepIndex);
  const sameDay = entries.find(
    (e) =>
      e.kind === 'step' &&
      e.retry &&
      DateTime.fromJSDate(entryDueAt(c, def, e.index), { zone: c.timeZone }).toISODate() ===
        localDay,
  );
  if (sameDay) return { retryAt: null, why: `renewal folded into the day ${sameDay.day} retry` };
  return {
    retryAt: periodEndAt,
    why: 'no retry step falls on the renewal day: the renewal charges the balance now',
  };
}

export type PlanContext = {
  readonly now: Date;
  /** The customer's pay cycle learned from past payments, if any (src/domain/retry-timing). */
  readonly payCycle: PayCycle | null;
  /** In [0, 1): jitter; the engine seeds it from the case so a re-run plans the same time. */
  readonly random: () => number;
};

/**
 * Plans what is not planned yet: the current step's time and, after a temporary error, a quick
 * retry. With smart retries the step's retry moves inside its window (day of the step up to the
 * next entry) to the moment its decline category favours; otherwise it runs at its day's start.
 */
export function planNext(
  c: CaseData,
  def: StrategyDefinition,
  ctx: PlanContext,
): { case: CaseData; why: string[] } {
  if (c.status !== 'open') return { case: c, why: [] };
  const why: string[] = [];
  let next = c;
  if (next.stepAt == null) {
    const entry = entryAt(def, next.stepIndex);
    const from = entryDueAt(next, def, next.stepIndex);
    const smart =
      def.smartRetries &&
      entry.kind === 'step' &&
      entry.retry &&
      retryGate(next).allowed &&
      next.lastCategory !== null;
    const atFrom = from.getTime() < ctx.now.getTime() ? ctx.now : from;
    if (smart && next.lastCategory) {
      const timing: TimingDecision = !retryBudgetLeft(next.retriesMade ?? 0)
        ? {
            at: atFrom,
            why: `no retry: the case has made ${next.retriesMade} retries, the most smart retries send (card guidance: 3 to 4 over about two weeks)`,
            skip: true,
          }
        : chooseRetryTime({
            category: next.lastCategory,
            envelope: { from, until: entryDueAt(next, def, next.stepIndex + 1) },
            now: ctx.now,
            timeZone: next.timeZone,
            lastDeclineAt: next.lastDeclineAt ?? next.openedAt,
            retriesSoFar: next.stepIndex,
            payCycle: ctx.payCycle,
            random: ctx.random,
          });
      next = {
        ...next,
        stepAt: timing.at,
        ...(timing.skip ? { skipRetry: { stepIndex: next.stepIndex, why: timing.why } } : {}),
      };
      why.push(
        timing.skip
          ? `day ${entry.day} step: ${timing.why}`
          : `day ${entry.day} retry planned for ${timing.at.toISOString()}: ${timing.why}`,
      );
    } else {
      next = { ...next, stepAt: atFrom };
    }
  }
  const quickRetries = next.quickRetries ?? 0;
  if (
    def.smartRetries &&
    next.lastCategory === 'temporary' &&
    next.quickRetryAt == null &&
    quickRetries < QUICK_RETRY_BUDGET &&
    retryBudgetLeft(next.retriesMade ?? 0) &&
    retryGate(next).allowed
  ) {
    const quick = quickRetryAfterTemporary({
      lastDeclineAt: next.lastDeclineAt ?? next.openedAt,
      quickRetriesSoFar: quickRetries,
      random: ctx.random,
    });
    const stepAt = currentStepAt(next, def);
    if (quick && quick.at.getTime() > ctx.now.getTime() && quick.at.getTime() < stepAt.getTime()) {
      next = { ...next, quickRetryAt: quick.at };
      why.push(`quick retry at ${quick.at.toISOString()}: ${quick.why}`);
    }
  }
  return { case: next, why };
}

export { seededRandom } from '../random.ts';
