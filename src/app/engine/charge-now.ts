// A charge an operator or the merchant's system asks for now (component allocation, retry of an
// unpaid renewal, mark-paid by card). The same three steps as the worker: record the attempt and
// its key, call the gateway outside a transaction, apply the answer in one transaction.
import type { Db } from '../../adapters/db/connect.ts';
import type { AttemptRow, SubscriptionRow } from '../../adapters/db/schema.ts';
import { classifyDecline } from '../../domain/declines/classify.ts';
import type { Deps } from '../deps.ts';
import {
  type AttemptOutcomeRecord,
  insertAttempt,
  recordAttemptResult,
  sendAttempt,
} from './attempts.ts';
import { nowForMerchant } from './merchant-clock.ts';

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
  | { replayed: true; outcome: AttemptOutcomeRecord };

export async function chargeNow<T>(
  deps: Deps,
  input: ChargeNowInput,
  apply: Apply<T>,
): Promise<ChargeNowResult<T>> {
  const { attempt, now } = await deps.db.transaction().execute(async (trx) => {
    const at = await nowForMerchant(trx, deps.clock, input.merchantId);
    const existing = await trx
      .selectFrom('payment_attempts')
      .selectAll()
      .where('merchant_id', '=', input.merchantId)
      .where('idempotency_key', '=', input.idempotencyKey)
      .executeTakeFirst();
    if (existing) return { attempt: existing, now: at };
    const sub = await trx
      .selectFrom('subscriptions')
      .select(['payment_method_id', 'currency'])
      .where('merchant_id', '=', input.merchantId)
      .where('subscription_id', '=', input.subscriptionId)
      .executeTakeFirstOrThrow();
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
    return { attempt: created, now: at };
  });

  const result =
    attempt.status === 'pending' ? await sendAttempt(deps.db, deps.gateway, attempt, now) : null;

  return deps.db.transaction().execute(async (trx) => {
    const sub = await trx
      .selectFrom('subscriptions')
      .selectAll()
      .where('merchant_id', '=', input.merchantId)
      .where('subscription_id', '=', input.subscriptionId)
      .forUpdate()
      .executeTakeFirstOrThrow();
    const current = await trx
      .selectFrom('payment_attempts')
      .selectAll()
      .where('merchant_id', '=', input.merchantId)
      .where('attempt_id', '=', attempt.attempt_id)
      .forUpdate()
      .executeTakeFirstOrThrow();
    if (current.status !== 'pending' || result === null) {
      const outcome: AttemptOutcomeRecord =
        current.status === 'succeeded'
          ? { kind: 'succeeded' }
          : current.status === 'failed'
            ? {
                kind: 'declined',
                rawCode: current.raw_code ?? '',
                classification: classifyDecline({ scheme: 'stripe', code: current.raw_code ?? '' }),
              }
            : { kind: 'unknown' };
      return { replayed: true as const, outcome };
    }
    const outcome = await recordAttemptResult(trx, current, result, now);
    return {
      replayed: false as const,
      outcome,
      value: await apply(trx, { sub, attempt: current, outcome, now }),
    };
  });
}
