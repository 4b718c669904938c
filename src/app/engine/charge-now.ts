// A charge an operator or the merchant's system asks for now (component allocation, retry of an
// unpaid renewal, mark-paid by card), through the worker's charge protocol (charge-protocol.ts).
import type { Db } from '../../adapters/db/connect.ts';
import { findAttemptByKey } from '../../adapters/db/engine.repo.ts';
import { lockSubscription } from '../../adapters/db/locks.repo.ts';
import { readMerchantNow } from '../../adapters/db/merchants.repo.ts';
import { lockAttempt } from '../../adapters/db/payment-attempts.repo.ts';
import type { AttemptRow, SubscriptionRow } from '../../adapters/db/schema.ts';
import { findSubscription } from '../../adapters/db/subscriptions.repo.ts';
import type { Deps } from '../deps.ts';
import {
  type AttemptOutcomeRecord,
  insertAttempt,
  recordAttemptResult,
  type StoredOutcome,
  storedOutcomeOf,
} from './attempts.ts';
import { chargeInPhases } from './charge-protocol.ts';

export type ChargeNowInput = {
  merchantId: string;
  subscriptionId: string;
  amountMinor: number;
  purpose: AttemptRow['purpose'];
  /** A repeated request with the same key resumes the first attempt instead of charging again. */
  idempotencyKey: string;
  why: string;
};

export type Apply<T> = (
  trx: Db,
  ctx: { sub: SubscriptionRow; attempt: AttemptRow; outcome: AttemptOutcomeRecord; now: Date },
) => Promise<T>;

export type ChargeNowResult<T> =
  | { replayed: false; outcome: AttemptOutcomeRecord; value: T }
  /** An earlier request with this key was already answered: its answer, nothing applied twice. */
  | { replayed: true; outcome: StoredOutcome };

export async function chargeNow<T>(
  deps: Deps,
  input: ChargeNowInput,
  apply: Apply<T>,
): Promise<ChargeNowResult<T>> {
  // A request whose key was already answered charges nothing: it reports that answer.
  let answeredBefore: AttemptRow | undefined;
  const applied = await chargeInPhases(
    deps,
    async (trx) => {
      const at = await readMerchantNow(trx, input.merchantId, deps.clock);
      const existing = await findAttemptByKey(trx, input.merchantId, input.idempotencyKey);
      if (existing && existing.status !== 'pending') {
        answeredBefore = existing;
        return [];
      }
      if (existing) return [{ attempt: existing, at }];
      const sub = await findSubscription(trx, input.merchantId, input.subscriptionId);
      if (!sub) throw new Error(`no subscription ${input.subscriptionId}`);
      const created = await insertAttempt(trx, {
        merchantId: input.merchantId,
        subscriptionId: input.subscriptionId,
        caseId: null,
        paymentMethodId: sub.payment_method_id,
        purpose: input.purpose,
        amountMinor: input.amountMinor,
        currency: sub.currency,
        idempotencyKey: input.idempotencyKey,
        why: input.why,
        at,
      });
      return [{ attempt: created, at }];
    },
    async (trx, [answered]): Promise<ChargeNowResult<T>> => {
      const { attempt, at: now, result } = answered!;
      const sub = await lockSubscription(trx, input.merchantId, input.subscriptionId);
      const current = await lockAttempt(trx, input.merchantId, attempt.attempt_id);
      if (!sub) throw new Error(`no subscription ${input.subscriptionId}`);
      // The lease ran out and a worker re-sent the same key and recorded the answer first.
      if (current.status !== 'pending')
        return { replayed: true as const, outcome: storedOutcomeOf(current) };
      const outcome = await recordAttemptResult(trx, current, result, now);
      return {
        replayed: false as const,
        outcome,
        value: await apply(trx, { sub, attempt: current, outcome, now }),
      };
    },
  );
  if (applied) return applied;
  if (!answeredBefore)
    throw new Error(`charge ${input.idempotencyKey} was neither sent nor answered`);
  return { replayed: true, outcome: storedOutcomeOf(answeredBefore) };
}
