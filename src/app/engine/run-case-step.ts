// One due dunning case, carried one schedule entry forward. Three short transactions at most:
// decide (and record the attempt with its key), call the gateway outside any transaction, apply.
import type { Db } from '../../adapters/db/connect.ts';
import { queueMessage, recordEvent } from '../../adapters/db/events.repo.ts';
import type { AttemptRow, CaseRow, SubscriptionRow } from '../../adapters/db/schema.ts';
import {
  afterAttempt,
  type CaseData,
  type Decision,
  decideNextStep,
} from '../../domain/case/case.ts';
import { messageIntent } from '../../domain/case/message-intent.ts';
import type { DeclineCategory } from '../../domain/declines/categories.ts';
import { merchantNow } from '../clock.ts';
import type { Deps } from '../deps.ts';
import {
  type AttemptOutcomeRecord,
  insertAttempt,
  loadAttempt,
  recordAttemptOutcome,
  recordAttemptResult,
  sendAttempt,
} from './attempts.ts';
import { caseData, finalizeCase, recoverCase, saveCase, strategyOf } from './cases.ts';
import { credentialVerdict } from './credential-history.ts';
import { sendHardDeclineMessage } from './hard-decline-message.ts';
import { lockSubscriptionAndCase, releaseLease } from './lock-case.ts';

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

/** Locks the case if this worker still holds its lease; null when another worker took it over. */
async function lockCase(
  trx: Db,
  deps: Deps,
  merchantId: string,
  caseId: string,
  workerId: string,
): Promise<Locked | null> {
  const locked = await lockSubscriptionAndCase(trx, merchantId, caseId);
  if (!locked || locked.row.lease_owner !== workerId) return null;
  const merchant = await trx
    .selectFrom('merchants')
    .select('test_clock_at')
    .where('merchant_id', '=', merchantId)
    .executeTakeFirstOrThrow();
  return { row: locked.row, sub: locked.sub, now: merchantNow(merchant, deps.clock) };
}

export async function runCaseStep(
  deps: Deps,
  workerId: string,
  merchantId: string,
  caseId: string,
): Promise<StepReport> {
  // Phase 1: decide, and for a retry commit the attempt and its idempotency key first.
  const phase1 = await deps.db.transaction().execute(async (trx) => {
    const locked = await lockCase(trx, deps, merchantId, caseId, workerId);
    if (!locked) return { kind: 'skipped' as const };
    const { row, sub, now } = locked;
    if (row.pending_attempt_id) {
      // A re-run after a crash or an unanswered call: re-send the same attempt, same key.
      return {
        kind: 'send' as const,
        attempt: await loadAttempt(trx, merchantId, row.pending_attempt_id),
        now,
      };
    }
    const def = await strategyOf(trx, row);
    const data = caseData(row);
    // Card-network rules look at every attempt on this credential, across all its cases.
    const verdict = await credentialVerdict(trx, row, now);
    const decision = decideNextStep(data, def, now, verdict);
    const done = await applyNonChargingDecision(trx, decision, locked);
    if (done) return { kind: 'done' as const, report: done };
    if (decision.kind !== 'retry') throw new Error(`unexpected decision ${decision.kind}`);

    const attempt = await insertAttempt(trx, {
      merchantId,
      subscriptionId: row.subscription_id,
      caseId,
      paymentMethodId: row.payment_method_id,
      purpose: PURPOSE[decision.scheduled],
      amountMinor: row.amount_due_minor,
      currency: row.currency,
      // Derived from the step, so the same step can never produce a second key.
      idempotencyKey: attemptKey(row, sub, data, decision),
      why: decision.why,
      at: now,
    });
    await saveCase(trx, row, data, def, {
      now,
      pending_attempt_id: attempt.attempt_id,
      retries_made: row.retries_made + 1,
      nextActionAt: row.next_action_at,
    });
    await recordEvent(trx, {
      merchantId,
      type: 'dunning_case.retry_attempted',
      occurredAt: now,
      subscriptionId: row.subscription_id,
      caseId,
      data: {
        why: decision.why,
        attempt_id: attempt.attempt_id,
        amount_minor: attempt.amount_minor,
        currency: attempt.currency,
        step_index: decision.stepIndex,
        scheduled: decision.scheduled,
      },
    });
    return { kind: 'send' as const, attempt, now };
  });
  if (phase1.kind === 'skipped') return 'skipped';
  if (phase1.kind === 'done') return phase1.report;

  // Phase 2: the gateway call, outside any transaction.
  const result = await sendAttempt(deps.db, deps.gateway, phase1.attempt, phase1.now);

  // Phase 3: apply the answer.
  return deps.db.transaction().execute(async (trx) => {
    const locked = await lockCase(trx, deps, merchantId, caseId, workerId);
    if (!locked || locked.row.pending_attempt_id !== phase1.attempt.attempt_id) return 'skipped';
    const outcome = await recordAttemptResult(trx, phase1.attempt, result, locked.now);
    await applyAttemptOutcome(trx, locked, phase1.attempt, outcome);
    return 'retried';
  });
}

async function applyNonChargingDecision(
  trx: Db,
  decision: Decision,
  { row, sub, now }: Locked,
): Promise<StepReport | null> {
  const def = await strategyOf(trx, row);
  const data = caseData(row);
  switch (decision.kind) {
    case 'none':
    case 'wait':
      await saveCase(trx, row, data, def, { now });
      await releaseLease(trx, row);
      return 'waited';
    case 'drop_renewal_retry':
      await recordDecision(trx, row, now, decision.why, 'skip');
      await saveCase(trx, row, { ...data, renewalRetryAt: null, renewalRetryReason: null }, def, {
        now,
      });
      await releaseLease(trx, row);
      return 'advanced';
    case 'drop_quick_retry':
      await recordDecision(trx, row, now, decision.why, 'skip');
      await saveCase(
        trx,
        row,
        { ...data, quickRetryAt: null, quickRetries: (data.quickRetries ?? 0) + 1 },
        def,
        { now },
      );
      await releaseLease(trx, row);
      return 'advanced';
    case 'defer':
      await recordDecision(trx, row, now, decision.why, 'defer');
      await saveCase(trx, row, { ...data, stepAt: decision.until }, def, { now });
      await releaseLease(trx, row);
      return 'waited';
    case 'advance': {
      const next = { ...data, stepIndex: decision.stepIndex + 1, stepAt: null };
      await recordDecision(trx, row, now, decision.why, decision.message ? 'message_only' : 'skip');
      await saveCase(trx, row, next, def, { now });
      await releaseLease(trx, row);
      if (decision.message)
        await queueStepMessage(
          trx,
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
      await recordDecision(trx, row, now, decision.why, 'final');
      await finalizeCase(trx, row, sub, decision.action, decision.message, now, decision.why);
      return 'finalized';
    case 'retry':
      return null;
    default: {
      const unreachable: never = decision;
      return unreachable;
    }
  }
}

async function applyAttemptOutcome(
  trx: Db,
  { row, sub, now }: Locked,
  attempt: AttemptRow,
  outcome: AttemptOutcomeRecord,
): Promise<void> {
  const def = await strategyOf(trx, row);
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

  await recordAttemptOutcome(trx, attempt, outcome, now, { why: update.why });

  if (outcome.kind === 'succeeded') {
    await recoverCase(trx, row, sub, now, attempt.purpose, attempt.amount_minor);
    return;
  }
  if (outcome.kind === 'unknown') {
    await saveCase(trx, row, data, def, { now, nextActionAt: update.recheckAt });
    await releaseLease(trx, row);
    return;
  }
  await saveCase(trx, row, update.case, def, { now, pending_attempt_id: null });
  if (attempt.purpose === 'renewal_retry' && outcome.classification.category === 'hard') {
    await sendHardDeclineMessage(trx, sub, attempt, row.case_id, now);
  }
  await releaseLease(trx, row);
  if (update.message)
    await queueStepMessage(
      trx,
      row,
      sub,
      stepIndex,
      update.message.template,
      update.message.bcc,
      now,
      update.case.lastCategory,
    );
}

async function recordDecision(
  trx: Db,
  row: CaseRow,
  at: Date,
  why: string,
  kind: string,
): Promise<void> {
  await recordEvent(trx, {
    merchantId: row.merchant_id,
    type: 'dunning_case.decision',
    occurredAt: at,
    subscriptionId: row.subscription_id,
    caseId: row.case_id,
    data: { kind, why, step_index: row.step_index },
  });
}

async function queueStepMessage(
  trx: Db,
  row: CaseRow,
  sub: SubscriptionRow,
  stepIndex: number,
  template: string,
  bcc: boolean,
  at: Date,
  category: DeclineCategory | null,
): Promise<void> {
  await queueMessage(trx, {
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
  });
}
