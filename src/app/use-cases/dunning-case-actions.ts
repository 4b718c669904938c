// What an operator or the merchant's system can do to an open dunning case: retry now (only when
// the retry gate and the card-network rules allow it), cancel dunning, mark it paid by other means.
// Each locks the subscription, then the case (the engine's lock order), and refuses while a charge
// of the case is in flight, so it never races the worker into a double charge or a lost result.
import type { Db } from '../../adapters/db/connect.ts';
import { getCaseStatus, holdCaseForAttempt } from '../../adapters/db/dunning-cases.repo.ts';
import { recordEvent } from '../../adapters/db/events.repo.ts';
import { lockSubscriptionAndCase } from '../../adapters/db/locks.repo.ts';
import { readMerchantNow } from '../../adapters/db/merchants.repo.ts';
import { countManualAttemptsOfCase, getAttempt } from '../../adapters/db/payment-attempts.repo.ts';
import type { AttemptRow, CaseRow, SubscriptionRow } from '../../adapters/db/schema.ts';
import { retryGate } from '../../domain/case/case.ts';
import type { Deps } from '../deps.ts';
import { insertAttempt } from '../engine/attempts.ts';
import { caseData, recoverCase, stopCase } from '../engine/cases.ts';
import { credentialVerdict } from '../engine/credential-history.ts';
import { runCaseStep } from '../engine/run-case-step.ts';
import { fail, ok, type Result } from '../result.ts';

export type CaseTarget = { merchantId: string; caseId: string };

type Locked = { sub: SubscriptionRow; row: CaseRow; now: Date };

/** How long the API holds a case while its retry is charged; after it the worker takes over. */
const RETRY_LEASE = '5 minutes';

/** Locks an open case that no worker is handling, or says why it cannot be acted on. */
async function lockOpenCase(trx: Db, deps: Deps, t: CaseTarget): Promise<Result<Locked>> {
  const locked = await lockSubscriptionAndCase(trx, t.merchantId, t.caseId);
  if (!locked) return fail('not_found', `no dunning case ${t.caseId}`, 'id');
  const { sub, row, leased } = locked;
  if (row.status !== 'open')
    return fail('invalid_state', `the case is ${row.status}: nothing more can be done`, 'id');
  if (row.pending_attempt_id)
    return fail(
      'invalid_state',
      'a charge of this case is in flight; try again once it has an answer',
      'id',
    );
  if (leased)
    return fail('invalid_state', 'the case is being processed right now; try again shortly', 'id');
  return ok({ sub, row, now: await readMerchantNow(trx, t.merchantId, deps.clock) });
}

export type RetryOutcome = {
  outcome: 'succeeded' | 'declined' | 'pending';
  attempt: AttemptRow;
  caseStatus: CaseRow['status'];
};

/**
 * Charges the amount due now, as a retry outside the schedule. Refused, with the rule's reason,
 * when the last decline waits for a new method or a card-network rule forbids a retry now. The
 * charge runs through the engine's own step (attempt and key committed first), so a crash midway
 * leaves the worker to re-send the same key.
 */
export async function retryDunningCase(deps: Deps, t: CaseTarget): Promise<Result<RetryOutcome>> {
  const prepared = await deps.db.transaction().execute(async (trx) => {
    const locked = await lockOpenCase(trx, deps, t);
    if (!locked.ok) return locked;
    const { row, now } = locked.value;
    if (!row.payment_method_id)
      return fail('invalid_state', 'the subscription has no payment method to charge', 'id');
    const gate = retryGate(caseData(row));
    if (!gate.allowed) return fail('invalid_state', `retry refused: ${gate.why}`, 'id');
    const verdict = await credentialVerdict(trx, row, now);
    if (verdict && !verdict.allowed)
      return fail(
        'invalid_state',
        `retry refused by network rule ${verdict.rule}: ${verdict.why}` +
          (verdict.notBefore ? ` (allowed from ${verdict.notBefore.toISOString()})` : ''),
        'id',
      );
    const manualRetries = await countManualAttemptsOfCase(trx, row.merchant_id, row.case_id);
    const why = `retry requested by the merchant; ${verdict ? verdict.why : gate.why}`;
    const attempt = await insertAttempt(trx, {
      merchantId: row.merchant_id,
      subscriptionId: row.subscription_id,
      caseId: row.case_id,
      paymentMethodId: row.payment_method_id,
      purpose: 'manual',
      amountMinor: row.amount_due_minor,
      currency: row.currency,
      // One key per manual retry of the case: a re-send after a crash reuses it.
      idempotencyKey: `${row.case_id}:manual:${manualRetries}`,
      why,
      at: now,
    });
    const leaseOwner = `api_${attempt.attempt_id}`;
    await holdCaseForAttempt(trx, row.merchant_id, row.case_id, {
      attemptId: attempt.attempt_id,
      leaseOwner,
      lease: RETRY_LEASE,
      retriesMade: row.retries_made + 1,
    });
    await recordEvent(trx, {
      merchantId: row.merchant_id,
      type: 'dunning_case.decision',
      occurredAt: now,
      subscriptionId: row.subscription_id,
      caseId: row.case_id,
      data: { kind: 'retry_now', why, step_index: row.step_index },
    });
    await recordEvent(trx, {
      merchantId: row.merchant_id,
      type: 'dunning_case.retry_attempted',
      occurredAt: now,
      subscriptionId: row.subscription_id,
      caseId: row.case_id,
      data: {
        why,
        attempt_id: attempt.attempt_id,
        amount_minor: attempt.amount_minor,
        currency: attempt.currency,
        step_index: row.step_index,
        scheduled: 'manual',
      },
    });
    return ok({ attempt, leaseOwner });
  });
  if (!prepared.ok) return prepared;

  // The engine's step sends the recorded attempt and applies its answer (recover or continue).
  await runCaseStep(deps, prepared.value.leaseOwner, t.merchantId, t.caseId);
  const attempt = await getAttempt(deps.db, t.merchantId, prepared.value.attempt.attempt_id);
  const caseStatus = await getCaseStatus(deps.db, t.merchantId, t.caseId);
  const outcome =
    attempt.status === 'succeeded'
      ? 'succeeded'
      : attempt.status === 'failed'
        ? 'declined'
        : 'pending';
  return ok({ outcome, attempt, caseStatus });
}

/**
 * Stops dunning: no retry or message goes out after it (queued messages are canceled). The
 * subscription keeps its state and balance; the next failed charge would open a new case.
 */
export async function cancelDunningCase(
  deps: Deps,
  t: CaseTarget & { reason?: string },
): Promise<Result<{ status: 'stopped' }>> {
  return deps.db.transaction().execute(async (trx) => {
    const locked = await lockOpenCase(trx, deps, t);
    if (!locked.ok) return locked;
    const { row, now } = locked.value;
    const reason = t.reason?.trim() ? `dunning canceled: ${t.reason.trim()}` : 'dunning canceled';
    await stopCase(trx, row, reason, now);
    return ok({ status: 'stopped' as const });
  });
}

/**
 * Paid by other means (bank transfer, cash, the merchant's own billing): everything the
 * subscription owes is applied as paid, the case recovers, the subscription returns to active.
 */
export async function markDunningCasePaid(
  deps: Deps,
  t: CaseTarget & { reference?: string },
): Promise<Result<{ status: 'recovered'; amountMinor: number; currency: string }>> {
  return deps.db.transaction().execute(async (trx) => {
    const locked = await lockOpenCase(trx, deps, t);
    if (!locked.ok) return locked;
    const { sub, row, now } = locked.value;
    // The balance holds everything owed (the case's amount, less any part paid already).
    const amount = sub.balance_minor > 0 ? sub.balance_minor : row.amount_due_minor;
    await recordEvent(trx, {
      merchantId: sub.merchant_id,
      type: 'payment.applied',
      occurredAt: now,
      subscriptionId: sub.subscription_id,
      caseId: row.case_id,
      data: {
        amount_minor: amount,
        currency: sub.currency,
        reference: t.reference?.trim() || null,
        balance_minor: 0,
        via: 'marked_paid',
      },
    });
    await recoverCase(trx, row, sub, now, 'marked_paid', amount);
    return ok({ status: 'recovered' as const, amountMinor: amount, currency: sub.currency });
  });
}
