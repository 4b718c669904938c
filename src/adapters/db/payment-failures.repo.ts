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
