// Charges (what a subscription owes) as use cases outside the engine change them.
import type { Insertable } from 'kysely';
import type { Db } from './connect.ts';
import type { ChargesTable } from './schema.ts';

/** Forgives every failed or pending charge of the subscription. */
export async function writeOffOutstandingCharges(
  db: Db,
  merchantId: string,
  subscriptionId: string,
): Promise<void> {
  await db
    .updateTable('charges')
    .set({ status: 'written_off' })
    .where('merchant_id', '=', merchantId)
    .where('subscription_id', '=', subscriptionId)
    .where('status', 'in', ['failed', 'pending'])
    .execute();
}

export async function insertCharge(db: Db, row: Insertable<ChargesTable>): Promise<void> {
  await db.insertInto('charges').values(row).execute();
}
