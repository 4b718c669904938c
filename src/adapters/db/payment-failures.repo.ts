// Failures reported by a merchant's own billing system (POST /v1/payment_failures).
import type { Insertable } from 'kysely';
import type { Db } from './connect.ts';
import type { PaymentFailureRow, PaymentFailuresTable } from './schema-api.ts';

/** The reported failures behind these attempts. */
export async function listPaymentFailuresOfAttempts(
  db: Db,
  merchantId: string,
  attemptIds: string[],
) {
  return db
    .selectFrom('payment_failures')
    .select(['attempt_id', 'external_charge_id', 'classification'])
    .where('merchant_id', '=', merchantId)
    .where('attempt_id', 'in', attemptIds)
    .execute();
}

export async function insertPaymentFailure(
  db: Db,
  row: Insertable<PaymentFailuresTable>,
): Promise<PaymentFailureRow> {
  return db.insertInto('payment_failures').values(row).returningAll().executeTakeFirstOrThrow();
}

/** The first report of this external charge, if any. */
export async function findPaymentFailureByExternalCharge(
  db: Db,
  merchantId: string,
  externalChargeId: string,
): Promise<PaymentFailureRow | undefined> {
  return db
    .selectFrom('payment_failures')
    .selectAll()
    .where('merchant_id', '=', merchantId)
    .where('external_charge_id', '=', externalChargeId)
    .executeTakeFirst();
}

export async function findPaymentFailure(
  db: Db,
  merchantId: string,
  paymentFailureId: string,
): Promise<PaymentFailureRow | undefined> {
  return db
    .selectFrom('payment_failures')
    .selectAll()
    .where('merchant_id', '=', merchantId)
    .where('payment_failure_id', '=', paymentFailureId)
    .executeTakeFirst();
}

export async function findPaymentFailureCursor(
  db: Db,
  merchantId: string,
  paymentFailureId: string,
) {
  return db
    .selectFrom('payment_failures')
    .select(['created_at', 'payment_failure_id'])
    .where('merchant_id', '=', merchantId)
    .where('payment_failure_id', '=', paymentFailureId)
    .executeTakeFirst();
}

/** Newest first, optionally of one subscription, `limit` rows after the cursor. */
export async function listPaymentFailurePage(
  db: Db,
  merchantId: string,
  filters: { subscriptionId?: string },
  cursor: { created_at: Date; payment_failure_id: string } | undefined,
  limit: number,
): Promise<PaymentFailureRow[]> {
  return db
    .selectFrom('payment_failures')
    .selectAll()
    .where('merchant_id', '=', merchantId)
    .$if(filters.subscriptionId !== undefined, (q) =>
      q.where('subscription_id', '=', filters.subscriptionId!),
    )
    .$if(cursor !== undefined, (q) =>
      q.where((eb) =>
        eb(
          eb.refTuple('created_at', 'payment_failure_id'),
          '<',
          eb.tuple(cursor!.created_at, cursor!.payment_failure_id),
        ),
      ),
    )
    .orderBy('created_at', 'desc')
    .orderBy('payment_failure_id', 'desc')
    .limit(limit)
    .execute();
}
