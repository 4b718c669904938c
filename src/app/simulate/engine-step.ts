// The one place the simulator calls the engine's domain decisions (case, network rules, retry
// timing). It does what the worker does with a case (src/app/engine/run-case-step.ts, cases.ts),
// minus the database: ask the network rules, decide, carry the decision out, plan what is not
// planned yet. When those signatures change, this file is the one to adapt.
import {
  type AttemptOutcome,
  afterAttempt,
  type CaseData,
  type Decision,
  decideNextStep,
  entryAt,
  nextActionAt,
  planNext,
  renewalWhilePastDue,
  retryGate,
  seededRandom,
} from '../../domain/case/case.ts';
import {
  blocksRetryUntilMethodChanges,
  type DeclineCategory,
} from '../../domain/declines/categories.ts';
import type { Classification, RawDecline } from '../../domain/declines/classify.ts';
import { evaluateRetry } from '../../domain/network-rules/evaluate-retry.ts';
import type {
  Credential,
  CredentialAttempt,
  RuleVerdict,
} from '../../domain/network-rules/types.ts';
import type { PayCycle } from '../../domain/retry-timing/pay-cycle.ts';
import type { MessageSpec, StrategyDefinition } from '../../domain/strategy/strategy.ts';

/** A case as the worker holds it: the domain's data plus the amount due and the card's history. */
export type SimCase = {
  data: CaseData;
  amountDueMinor: number;
  readonly credential: Credential;
  /** Every attempt on the customer's one card (network rules judge per credential). */
  readonly history: CredentialAttempt[];
};

/** A charge the simulated gateway answers at once: success or a classified decline. */
export type ChargeResult =
  | { kind: 'succeeded' }
  | { kind: 'declined'; classification: Classification; raw?: RawDecline };

export type StepContext = {
  readonly def: StrategyDefinition;
  /** Seeds the timing jitter per case and position, as the worker seeds it by case id. */
  readonly caseKey: string;
  /** Sends one off-session charge of the whole amount due. */
  readonly charge: (amountMinor: number, at: Date) => ChargeResult;
  /** The engine's knowledge of the customer's pay cycle (null: its default paydays). */
  readonly payCycle: PayCycle | null;
};

export type RetryKind = Extract<Decision, { kind: 'retry' }>['scheduled'];

export type StepAction =
  | {
      kind: 'retry_sent';
      at: Date;
      retry: RetryKind;
      amountMinor: number;
      succeeded: boolean;
      category: DeclineCategory | null;
      /** The decline as the gateway answered it, for the independent audit; null if approved. */
      raw: RawDecline | null;
    }
  | { kind: 'retry_blocked'; at: Date; rule: string; why: string }
  | { kind: 'message'; at: Date; template: string }
  | {
      kind: 'closed';
      at: Date;
      status: 'recovered' | 'canceled' | 'unpaid';
      via: 'retry' | 'customer' | 'final_step';
    };

export type StepResult = { actions: StepAction[]; nextAt: Date | null };

/** A case opened by the failed renewal `first` at `at`, as openOrContinueCase opens it. */
export function openCase(
  at: Date,
  amountMinor: number,
  timeZone: string,
  credential: Credential,
  first: Classification,
  ctx: StepContext,
): SimCase {
  const data: CaseData = {
    status: 'open',
    openedAt: at,
    stepIndex: 0,
    timeZone,
    paymentMethodType: 'card',
    lastCategory: first.category,
    awaitingNewMethod: blocksRetryUntilMethodChanges(first.category),
    renewalRetryAt: null,
    lastDeclineAt: at,
  };
  const c: SimCase = {
    data,
    amountDueMinor: amountMinor,
    credential,
    history: [attemptOf(at, amountMinor, { kind: 'declined', classification: first })],
  };
  plan(c, at, ctx);
  return c;
}

/** When the case next needs the engine. */
export function wakeAt(c: SimCase, def: StrategyDefinition): Date | null {
  return nextActionAt(c.data, def);
}

/** Runs everything due on the case at `now`, as the worker would, and says when it is next due. */
export function stepCase(c: SimCase, now: Date, ctx: StepContext): StepResult {
  const { def } = ctx;
  const actions: StepAction[] = [];
  // Each pass takes one decision; a case has a handful of entries, so this bound is never reached.
  for (let pass = 0; pass < 64; pass++) {
    if (c.data.status !== 'open') return { actions, nextAt: null };
    // Nothing due: decideNextStep would answer 'wait' until this very time (its first check),
    // and everything is planned already; skip asking the rules for a retry nobody is sending.
    const due = nextActionAt(c.data, def);
    if (due && due.getTime() > now.getTime()) return { actions, nextAt: due };
    // The worker asks the network rules before every decision (credentialVerdict). They can only
    // change a decision that would send a retry (decideNextStep reads the verdict nowhere else),
    // so ask them just then: the same decisions, a fraction of the rule evaluations.
    const unruled = decideNextStep(c.data, def, now, null);
    const verdict = unruled.kind === 'retry' ? networkVerdict(c, now) : null;
    const decision = verdict ? decideNextStep(c.data, def, now, verdict) : unruled;
    const refusal = verdict ? blockedByRules(c.data, def, decision, verdict) : null;
    if (refusal)
      actions.push({ kind: 'retry_blocked', at: now, rule: refusal.rule, why: refusal.why });
    switch (decision.kind) {
      case 'none':
        return { actions, nextAt: null };
      case 'wait':
        plan(c, now, ctx);
        return { actions, nextAt: nextActionAt(c.data, def) };
      case 'drop_renewal_retry':
        c.data = { ...c.data, renewalRetryAt: null, renewalRetryReason: null };
        break;
      case 'drop_quick_retry':
        c.data = { ...c.data, quickRetryAt: null, quickRetries: (c.data.quickRetries ?? 0) + 1 };
        break;
      case 'defer':
        c.data = { ...c.data, stepAt: decision.until };
        break;
      case 'advance':
        c.data = { ...c.data, stepIndex: decision.stepIndex + 1, stepAt: null };
        if (decision.message) actions.push(messageOf(decision.message, now));
        break;
      case 'final': {
        const status = decision.action === 'cancel' ? 'canceled' : 'unpaid';
        c.data = { ...c.data, status, renewalRetryAt: null, quickRetryAt: null };
        if (decision.message) actions.push(messageOf(decision.message, now));
        actions.push({ kind: 'closed', at: now, status, via: 'final_step' });
        return { actions, nextAt: null };
      }
      case 'retry': {
        // Counted when the attempt is recorded, as the worker counts retries_made.
        c.data = { ...c.data, retriesMade: (c.data.retriesMade ?? 0) + 1 };
        const outcome = send(c, now, ctx, decision.scheduled, actions);
        const update = afterAttempt(c.data, def, decision, outcome, now);
        c.data = update.case;
        if (update.message) actions.push(messageOf(update.message, now));
        if (outcome.kind === 'succeeded') {
          actions.push({ kind: 'closed', at: now, status: 'recovered', via: 'retry' });
          return { actions, nextAt: null };
        }
        break;
      }
      default: {
        const unreachable: never = decision;
        return unreachable;
      }
    }
    plan(c, now, ctx);
  }
  throw new Error('stepCase: a case took more than 64 decisions at one instant');
}

/**
 * Whether the network rules, not the case's own gate or schedule, stopped a retry that was due:
 * decideNextStep consults retryGate first and the verdict second (src/domain/case/case.ts).
 */
function blockedByRules(
  data: CaseData,
  def: StrategyDefinition,
  decision: Decision,
  verdict: RuleVerdict,
): { rule: string; why: string } | null {
  if (verdict.allowed || !retryGate(data).allowed) return null;
  const refused = { rule: verdict.rule, why: verdict.why };
  switch (decision.kind) {
    case 'defer':
    case 'drop_renewal_retry':
    case 'drop_quick_retry':
      return refused;
    case 'advance': {
      const entry = entryAt(def, decision.stepIndex);
      return entry.kind === 'step' && entry.retry ? refused : null;
    }
    default:
      return null;
  }
}

/** What saveCase does before it stores a case: plan the step's time and any quick retry. */
function plan(c: SimCase, now: Date, ctx: StepContext): void {
  const d = c.data;
  const needsPlan =
    d.status === 'open' &&
    (d.stepAt == null ||
      (ctx.def.smartRetries && d.lastCategory === 'temporary' && d.quickRetryAt == null));
  if (!needsPlan) return;
  // Seeded as the worker seeds it; built on first use, as most plans draw nothing.
  let random: (() => number) | null = null;
  c.data = planNext(d, ctx.def, {
    now,
    payCycle: ctx.payCycle,
    random: () => {
      random ??= seededRandom(`${ctx.caseKey}:${d.stepIndex}:${d.quickRetries ?? 0}`);
      return random();
    },
  }).case;
}

function send(
  c: SimCase,
  now: Date,
  ctx: StepContext,
  retry: RetryKind,
  actions: StepAction[],
): AttemptOutcome {
  const amountMinor = c.amountDueMinor;
  const result = ctx.charge(amountMinor, now);
  const attempt = attemptOf(now, amountMinor, result);
  c.history.push(attempt);
  const succeeded = result.kind === 'succeeded';
  const category = result.kind === 'declined' ? result.classification.category : null;
  const raw = result.kind === 'declined' ? (result.raw ?? null) : null;
  actions.push({ kind: 'retry_sent', at: now, retry, amountMinor, succeeded, category, raw });
  return result.kind === 'succeeded'
    ? { kind: 'succeeded' }
    : { kind: 'declined', category: result.classification.category };
}

function networkVerdict(c: SimCase, now: Date): RuleVerdict {
  return evaluateRetry({
    credential: c.credential,
    history: c.history,
    amountMinor: c.amountDueMinor,
    now,
  });
}

/**
 * A renewal fell due while the case is open: the amount due grows by the new period's price and
 * the renewal is charged at the next retry step that day, or at once (as renew-subscription.ts).
 */
export function renewalWhileOpen(
  c: SimCase,
  periodEndAt: Date,
  priceMinor: number,
  ctx: StepContext,
): Date | null {
  if (c.data.status !== 'open') return null;
  c.amountDueMinor += priceMinor;
  const renewal = renewalWhilePastDue(c.data, ctx.def, periodEndAt);
  c.data = { ...c.data, renewalRetryAt: renewal.retryAt, renewalRetryReason: null };
  plan(c, periodEndAt, ctx);
  return nextActionAt(c.data, ctx.def);
}

/**
 * The customer fixed the problem on the hosted page (a new card, or authentication) and the
 * on-session payment of the amount due went through: the case is recovered (SPEC section 6).
 */
export function customerPaid(c: SimCase, now: Date, def: StrategyDefinition): StepAction[] {
  if (c.data.status !== 'open') return [];
  const newCard = c.data.lastCategory === 'hard' || c.data.lastCategory === 'update_method';
  if (newCard) c.credential.methodChangedAt = now;
  c.history.push(attemptOf(now, c.amountDueMinor, { kind: 'succeeded' }));
  const update = afterAttempt(
    c.data,
    def,
    {
      kind: 'retry',
      stepIndex: c.data.stepIndex,
      scheduled: 'renewal',
      why: 'customer paid on the hosted page',
    },
    { kind: 'succeeded' },
    now,
  );
  c.data = update.case;
  return [{ kind: 'closed', at: now, status: 'recovered', via: 'customer' }];
}

/**
 * The customer canceled the subscription (voluntary churn, after too many messages): canceling
 * stops the case at once, nothing more is retried or sent (SPEC section 2). True if it was open.
 */
export function customerCanceled(c: SimCase): boolean {
  if (c.data.status !== 'open') return false;
  c.data = { ...c.data, status: 'stopped', renewalRetryAt: null, quickRetryAt: null };
  c.history.length = 0;
  return true;
}

export function attemptOf(at: Date, amountMinor: number, result: ChargeResult): CredentialAttempt {
  if (result.kind === 'succeeded') {
    return {
      at,
      outcome: 'succeeded',
      amountMinor,
      category: null,
      visaCategory: null,
      advice: { kind: 'none' },
      maxRepresentments: null,
      representmentWindowDays: null,
    };
  }
  const k = result.classification;
  return {
    at,
    outcome: 'declined',
    amountMinor,
    category: k.category,
    visaCategory: k.visaCategory,
    advice: k.advice,
    maxRepresentments: k.maxRepresentments,
    representmentWindowDays: k.representmentWindowDays,
  };
}

function messageOf(spec: MessageSpec, at: Date): StepAction {
  return { kind: 'message', at, template: spec.template };
}
