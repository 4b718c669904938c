// A dunning case walks its strategy's schedule, one entry at a time:
// - open:      steps remain; `stepIndex` points at the next schedule entry (steps, then the final step).
// - recovered: a payment cleared the amount due (a retry, a renewal, or payment by other means).
// - canceled / unpaid: the final step took its action.
// - stopped:   something outside the schedule ended it (subscription canceled, refund, dispute);
//              no retry or message goes out after it.
import { DateTime } from 'luxon';
import { blocksRetryUntilMethodChanges, type DeclineCategory } from '../declines/categories.ts';
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

/** The next time the case needs the worker: its current schedule entry, or an earlier renewal retry. */
export function nextActionAt(c: CaseData, def: StrategyDefinition): Date | null {
  if (c.status !== 'open') return null;
  const stepAt = entryDueAt(c, def, c.stepIndex);
  if (c.renewalRetryAt && c.renewalRetryAt.getTime() < stepAt.getTime()) return c.renewalRetryAt;
  return stepAt;
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
  | { kind: 'retry'; stepIndex: number; scheduled: 'step' | 'renewal'; why: string }
  | { kind: 'advance'; stepIndex: number; message: MessageSpec | null; why: string }
  | { kind: 'final'; action: FinalAction; message: MessageSpec | null; why: string }
  /** The renewal retry was due but may not be sent; the schedule stays where it is. */
  | { kind: 'drop_renewal_retry'; why: string }
  | { kind: 'none'; why: string };

/** What the worker should do with a case at `now`. Pure: the worker carries out the decision. */
export function decideNextStep(c: CaseData, def: StrategyDefinition, now: Date): Decision {
  if (c.status !== 'open')
    return { kind: 'none', why: `case is ${c.status}; nothing more is sent` };
  const due = nextActionAt(c, def)!;
  if (due.getTime() > now.getTime())
    return { kind: 'wait', until: due, why: 'next action is not due yet' };

  const entry = entryAt(def, c.stepIndex);
  const stepDue = entryDueAt(c, def, c.stepIndex);
  const stepIsDue = stepDue.getTime() <= now.getTime();

  if (!stepIsDue) {
    // Only the renewal retry is due: the period ended between two steps.
    const gate = retryGate(c);
    if (gate.allowed)
      return {
        kind: 'retry',
        stepIndex: c.stepIndex,
        scheduled: 'renewal',
        why: `renewal at period end; ${gate.why}`,
      };
    return { kind: 'drop_renewal_retry', why: `renewal retry skipped: ${gate.why}` };
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
      return {
        kind: 'retry',
        stepIndex: c.stepIndex,
        scheduled: 'step',
        why: `${label}: ${gate.why}`,
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
        case: { ...c, status: 'recovered', renewalRetryAt: null },
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
      const declined = { ...c, lastCategory: outcome.category, awaitingNewMethod: awaiting };
      if (decision.scheduled === 'renewal') {
        return {
          case: { ...declined, renewalRetryAt: null },
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
      return {
        case: { ...declined, stepIndex: decision.stepIndex + 1, renewalRetryAt },
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
