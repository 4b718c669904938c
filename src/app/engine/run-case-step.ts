// Due dunning cases, each carried one schedule entry forward, a whole claimed batch at a time in
// three phases: decide every case (and record each retry's attempt with its key) in one
// transaction; call the gateway for all retries at once, outside any transaction; apply every
// answer in one transaction. Reads and writes are set-wise (world.ts, unit-of-work.ts).
import type { Db } from '../../adapters/db/connect.ts';
import {
  type ClaimedItem,
  loadAttempts,
  loadCaseTarget,
  lockLeasedCases,
  lockSubscriptions,
} from '../../adapters/db/engine.repo.ts';
import type { AttemptRow, CaseRow, SubscriptionRow } from '../../adapters/db/schema.ts';
import { addEvent, flushUnit, newUnit } from '../../adapters/db/unit-of-work.ts';
import type { ChargeResult } from '../../adapters/gateways/port.ts';
import {
  afterAttempt,
  type CaseData,
  type Decision,
  decideNextStep,
} from '../../domain/case/case.ts';
import { messageIntent } from '../../domain/case/message-intent.ts';
import type { DeclineCategory } from '../../domain/declines/categories.ts';
import { stepMessageAfterHardDecline } from '../../domain/subscription/update-link.ts';
import type { Deps } from '../deps.ts';
import {
  type AttemptOutcomeRecord,
  newAttemptIn,
  recordAttemptOutcomeIn,
  recordAttemptResultIn,
} from './attempts.ts';
import {
  caseData,
  caseStrategy,
  finalizeCaseIn,
  queueMessageIn,
  recoverCaseIn,
  releaseCaseIn,
  saveCaseIn,
} from './cases.ts';
import { type Answered, type Charge, chargeInPhases } from './charge-protocol.ts';
import { caseVerdictIn } from './credential-history.ts';
import { sendHardDeclineMessageIn } from './hard-decline-message.ts';
import { adoptCardIn, adoptsNewCard, linkOfAttemptKey } from './update-link-card.ts';
import { key, loadWorld, paymentMethodIn, type Work } from './world.ts';

const PURPOSE = { step: 'retry', renewal: 'renewal_retry', quick: 'quick_retry' } as const;

/** Derived from what is charged, so the same step or retry can never produce a second key. */
function attemptKey(
  row: CaseRow,
  sub: SubscriptionRow,
  data: CaseData,
  decision: Extract<Decision, { kind: 'retry' }>,
): string {
  switch (decision.scheduled) {
    case 'step':
      return `${row.case_id}:step:${decision.stepIndex}`;
    case 'renewal':
      return `${row.case_id}:renewal:${sub.period_index}:${data.renewalRetryAt?.toISOString() ?? ''}`;
    case 'quick':
      return `${row.case_id}:quick:${data.quickRetries ?? 0}`;
    default: {
      const unreachable: never = decision.scheduled;
      return unreachable;
    }
  }
}

export type StepReport = 'waited' | 'advanced' | 'retried' | 'finalized' | 'skipped';

type Locked = { row: CaseRow; sub: SubscriptionRow; now: Date };
type Send = Charge & { item: ClaimedItem };

export type StepOptions = {
  /** Gateway calls in flight at once across the batch. */
  maxInFlight?: number;
};

/**
 * Business time of an item: a test merchant's clock as it stood when the item was claimed (so a
 * clock moved meanwhile never makes a step happen later than it was due); the real one otherwise.
 */
export function itemNow(deps: Deps, item: ClaimedItem): Date {
  return item.clockAt ?? deps.clock.now();
}

/** Carries a claimed batch of cases one step each; reports by case id. */
export async function runCaseSteps(
  deps: Deps,
  workerId: string,
  items: readonly ClaimedItem[],
  options: StepOptions = {},
): Promise<Map<string, StepReport>> {
  const reports = new Map<string, StepReport>(
    items.map((i) => [key(i.merchantId, i.id), 'skipped']),
  );
  if (items.length === 0) return reports;

  // Phase 1: decide, and for each retry commit the attempt and its idempotency key first.
  const decide = async (trx: Db): Promise<Send[]> => {
    const locked = await lockBatch(trx, items, workerId);
    const pendingIds = locked.flatMap(({ row }) =>
      row.pending_attempt_id ? [{ merchantId: row.merchant_id, id: row.pending_attempt_id }] : [],
    );
    const pending = new Map(
      (await loadAttempts(trx, pendingIds)).map((a) => [key(a.merchant_id, a.attempt_id), a]),
    );
    const world = await loadWorld(trx, {
      subs: locked.map((l) => l.sub),
      cases: locked.map((l) => l.row),
      credentials: true,
      paymentMethods: [...pending.values()].flatMap((a) =>
        a.payment_method_id ? [{ merchantId: a.merchant_id, id: a.payment_method_id }] : [],
      ),
    });
    const w: Work = { world, unit: newUnit() };
    const out: Send[] = [];
    for (const { item, row, sub } of locked) {
      const now = itemNow(deps, item);
      const tokenOf = (a: AttemptRow) =>
        paymentMethodIn(world, a.merchant_id, a.payment_method_id)?.gateway_token ?? null;
      if (row.pending_attempt_id) {
        // A re-run after a crash or an unanswered call: re-send the same attempt, same key.
        const attempt = pending.get(key(row.merchant_id, row.pending_attempt_id))!;
        out.push({ item, attempt, token: tokenOf(attempt), at: now });
        continue;
      }
      const def = caseStrategy(world, row);
      const data = caseData(row);
      // Card-network rules look at every attempt on this credential, across all its cases;
      // attempts recorded earlier in this batch count too.
      const verdict = caseVerdictIn(w, row, now);
      const decision = decideNextStep(data, def, now, verdict);
      const done = applyNonChargingDecisionIn(w, decision, { row, sub, now });
      if (done) {
        reports.set(key(row.merchant_id, row.case_id), done);
        continue;
      }
      if (decision.kind !== 'retry') throw new Error(`unexpected decision ${decision.kind}`);
      const attempt = newAttemptIn(w, {
        merchantId: row.merchant_id,
        subscriptionId: row.subscription_id,
        caseId: row.case_id,
        paymentMethodId: row.payment_method_id,
        purpose: PURPOSE[decision.scheduled],
        amountMinor: row.amount_due_minor,
        currency: row.currency,
        idempotencyKey: attemptKey(row, sub, data, decision),
        why: decision.why,
        at: now,
      });
      saveCaseIn(w, row, data, def, {
        now,
        pending_attempt_id: attempt.attempt_id,
        retries_made: row.retries_made + 1,
        nextActionAt: row.next_action_at,
      });
      addEvent(w.unit, {
        merchantId: row.merchant_id,
        type: 'dunning_case.retry_attempted',
        occurredAt: now,
        subscriptionId: row.subscription_id,
        caseId: row.case_id,
        data: {
          why: decision.why,
          attempt_id: attempt.attempt_id,
          amount_minor: attempt.amount_minor,
          currency: attempt.currency,
          step_index: decision.stepIndex,
          scheduled: decision.scheduled,
        },
      });
      out.push({ item, attempt, token: tokenOf(attempt), at: now });
    }
    await flushUnit(trx, w.unit);
    return out;
  };

  // Phase 3: apply every answer (phase 2, the gateway calls, runs in between).
  const apply = async (trx: Db, answered: readonly Answered<Send>[]): Promise<void> => {
    const locked = await lockBatch(
      trx,
      answered.map((s) => s.item),
      workerId,
    );
    const byCase = new Map(locked.map((l) => [key(l.row.merchant_id, l.row.case_id), l]));
    const current = answered.flatMap((s) => {
      const l = byCase.get(key(s.item.merchantId, s.item.id));
      return l && l.row.pending_attempt_id === s.attempt.attempt_id
        ? [{ ...l, send: s, result: s.result }]
        : [];
    });
    const world = await loadWorld(trx, {
      subs: current.map((c) => c.sub),
      cases: current.map((c) => c.row),
      // A charge re-sent for the update page may be on the new card the customer entered there.
      paymentMethods: current.flatMap(({ send: { attempt: a } }) =>
        a.payment_method_id ? [{ merchantId: a.merchant_id, id: a.payment_method_id }] : [],
      ),
    });
    const w: Work = { world, unit: newUnit() };
    for (const { row, sub, send, result } of current) {
      const now = send.item.clockAt ?? deps.clock.now();
      applyAnswerIn(w, { row, sub, now }, send.attempt, result);
      reports.set(key(row.merchant_id, row.case_id), 'retried');
    }
    await flushUnit(trx, w.unit);
  };
  await chargeInPhases(deps, decide, apply, options);
  return reports;
}

/** One case, for an operator's "retry now": the same path as the worker's batches. */
export async function runCaseStep(
  deps: Deps,
  workerId: string,
  merchantId: string,
  caseId: string,
): Promise<StepReport> {
  const target = await loadCaseTarget(deps.db, merchantId, caseId);
  if (!target) return 'skipped';
  const item: ClaimedItem = {
    merchantId,
    id: caseId,
    subscriptionId: target.subscription_id,
    clockAt: target.test_clock_at,
  };
  const reports = await runCaseSteps(deps, workerId, [item]);
  return reports.get(key(merchantId, caseId)) ?? 'skipped';
}

/** Locks the batch's subscriptions, then the cases this worker still holds the lease of. */
async function lockBatch(
  trx: Db,
  items: readonly ClaimedItem[],
  workerId: string,
): Promise<{ item: ClaimedItem; row: CaseRow; sub: SubscriptionRow }[]> {
  const subs = await lockSubscriptions(
    trx,
    items.map((i) => ({ merchantId: i.merchantId, id: i.subscriptionId })),
  );
  const rows = await lockLeasedCases(
    trx,
    items.map((i) => ({ merchantId: i.merchantId, id: i.id })),
    workerId,
  );
  const subOf = new Map(subs.map((s) => [key(s.merchant_id, s.subscription_id), s]));
  const rowOf = new Map(rows.map((r) => [key(r.merchant_id, r.case_id), r]));
  return items.flatMap((item) => {
    const row = rowOf.get(key(item.merchantId, item.id));
    const sub = row ? subOf.get(key(row.merchant_id, row.subscription_id)) : undefined;
    return row && sub ? [{ item, row, sub }] : [];
  });
}

function applyNonChargingDecisionIn(
  w: Work,
  decision: Decision,
  { row, sub, now }: Locked,
): StepReport | null {
  const def = caseStrategy(w.world, row);
  const data = caseData(row);
  switch (decision.kind) {
    case 'none':
    case 'wait':
      saveCaseIn(w, row, data, def, { now, release: true });
      return 'waited';
    case 'drop_renewal_retry':
      recordDecision(w, row, now, decision.why, 'skip');
      saveCaseIn(w, row, { ...data, renewalRetryAt: null, renewalRetryReason: null }, def, {
        now,
        release: true,
      });
      return 'advanced';
    case 'drop_quick_retry':
      recordDecision(w, row, now, decision.why, 'skip');
      saveCaseIn(
        w,
        row,
        { ...data, quickRetryAt: null, quickRetries: (data.quickRetries ?? 0) + 1 },
        def,
        { now, release: true },
      );
      return 'advanced';
    case 'defer':
      recordDecision(w, row, now, decision.why, 'defer');
      saveCaseIn(w, row, { ...data, stepAt: decision.until }, def, { now, release: true });
      return 'waited';
    case 'advance': {
      const next = { ...data, stepIndex: decision.stepIndex + 1, stepAt: null };
      recordDecision(w, row, now, decision.why, decision.message ? 'message_only' : 'skip');
      saveCaseIn(w, row, next, def, { now, release: true });
      if (decision.message)
        queueStepMessage(
          w,
          row,
          sub,
          decision.stepIndex,
          decision.message.template,
          decision.message.bcc,
          now,
          data.lastCategory,
        );
      return 'advanced';
    }
    case 'final':
      recordDecision(w, row, now, decision.why, 'final');
      finalizeCaseIn(w, row, sub, decision.action, decision.message, now, decision.why);
      return 'finalized';
    case 'retry':
      return null;
    default: {
      const unreachable: never = decision;
      return unreachable;
    }
  }
}

function applyAnswerIn(w: Work, locked: Locked, attempt: AttemptRow, result: ChargeResult): void {
  const { row, sub, now } = locked;
  const outcome: AttemptOutcomeRecord = recordAttemptResultIn(w, attempt, result, now);
  const def = caseStrategy(w.world, row);
  const data = caseData(row);
  const scheduled =
    attempt.purpose === 'retry' ? 'step' : attempt.purpose === 'quick_retry' ? 'quick' : 'renewal';
  const stepIndex =
    scheduled === 'step' ? Number(attempt.idempotency_key.split(':').at(-1)) : row.step_index;
  const domainOutcome =
    outcome.kind === 'declined'
      ? { kind: 'declined' as const, category: outcome.classification.category }
      : outcome;
  const update = afterAttempt(
    data,
    def,
    { kind: 'retry', stepIndex, scheduled, why: attempt.why ?? '' },
    domainOutcome,
    now,
  );

  recordAttemptOutcomeIn(w, attempt, outcome, now, { why: update.why });
  if (adoptsNewCard(outcome)) adoptPageCardIn(w, row, sub, attempt, now);

  if (outcome.kind === 'succeeded') {
    recoverCaseIn(w, row, sub, now, attempt.purpose, attempt.amount_minor);
    return;
  }
  if (outcome.kind === 'unknown') {
    saveCaseIn(w, row, data, def, { now, nextActionAt: update.recheckAt, release: true });
    return;
  }
  saveCaseIn(w, row, update.case, def, { now, pending_attempt_id: null });
  if (attempt.purpose === 'renewal_retry' && outcome.classification.category === 'hard') {
    sendHardDeclineMessageIn(w, sub, attempt, row, now);
  }
  releaseCaseIn(w, row);
  if (update.message)
    queueStepMessage(
      w,
      row,
      sub,
      stepIndex,
      update.message.template,
      update.message.bcc,
      now,
      update.case.lastCategory,
    );
}

/** A page charge the worker re-sent on the customer's new card: adopted as the page would have. */
function adoptPageCardIn(
  w: Work,
  row: CaseRow,
  sub: SubscriptionRow,
  attempt: AttemptRow,
  now: Date,
) {
  const linkId = linkOfAttemptKey(attempt.idempotency_key);
  if (!linkId || !attempt.payment_method_id || attempt.payment_method_id === sub.payment_method_id)
    return;
  const pm = paymentMethodIn(w.world, attempt.merchant_id, attempt.payment_method_id);
  if (!pm) return;
  adoptCardIn(w.unit, row, sub, pm, linkId, now);
  // Later decisions in this transaction see the card on file.
  sub.payment_method_id = pm.payment_method_id;
  row.payment_method_id = pm.payment_method_id;
  row.payment_method_type = pm.type;
}

function recordDecision(w: Work, row: CaseRow, at: Date, why: string, kind: string): void {
  addEvent(w.unit, {
    merchantId: row.merchant_id,
    type: 'dunning_case.decision',
    occurredAt: at,
    subscriptionId: row.subscription_id,
    caseId: row.case_id,
    data: { kind, why, step_index: row.step_index },
  });
}

function queueStepMessage(
  w: Work,
  row: CaseRow,
  sub: SubscriptionRow,
  stepIndex: number,
  template: string,
  bcc: boolean,
  at: Date,
  category: DeclineCategory | null,
): void {
  let details: Record<string, unknown> | undefined;
  if (row.hard_declined_at) {
    // Hard-decline dunning sent the case's message already; its links follow SPEC section 4.
    const answer = stepMessageAfterHardDecline(
      {
        state: sub.state,
        graceDays: sub.grace_days,
        pastDueSince: sub.past_due_since,
        declinedAt: row.hard_declined_at,
        stepIndex,
      },
      at,
    );
    if (!answer.send) {
      recordDecision(w, row, at, `step ${stepIndex + 1} sends no message: ${answer.why}`, 'skip');
      return;
    }
    details = { update_link_expires_at: answer.linkExpiresAt?.toISOString() ?? null };
  }
  queueMessageIn(w.unit, {
    intent: messageIntent(category),
    merchantId: row.merchant_id,
    caseId: row.case_id,
    subscriptionId: row.subscription_id,
    customerId: sub.customer_id,
    template,
    bcc,
    dedupeKey: `msg_${row.case_id}_step_${stepIndex}`,
    step: `step_${stepIndex + 1}`,
    at,
    ...(details ? { details } : {}),
  });
}
