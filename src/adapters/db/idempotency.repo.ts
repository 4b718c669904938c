// Idempotency keys of /v1 POST requests and the first response each one got.
import { sql } from 'kysely';
import type { Db } from './connect.ts';

/** Forgets the key if it was claimed before `olderThan`. */
export async function deleteExpiredIdempotencyKey(
  db: Db,
  merchantId: string,
  key: string,
  olderThan: Date,
): Promise<void> {
  await db
    .deleteFrom('idempotent_requests')
    .where('merchant_id', '=', merchantId)
    .where('key', '=', key)
    .where('created_at', '<', olderThan)
    .execute();
}

/** Claims the key for this request; false when it was claimed already. */
export async function insertIdempotencyKey(
  db: Db,
  row: { merchant_id: string; key: string; method: string; path: string; request_hash: string },
): Promise<boolean> {
  const inserted = await db
    .insertInto('idempotent_requests')
    .values(row)
    .onConflict((oc) => oc.columns(['merchant_id', 'key']).doNothing())
    .returning('key')
    .executeTakeFirst();
  return inserted !== undefined;
}

export async function getIdempotentRequest(db: Db, merchantId: string, key: string) {
  return db
    .selectFrom('idempotent_requests')
    .selectAll()
    .where('merchant_id', '=', merchantId)
    .where('key', '=', key)
    .executeTakeFirstOrThrow();
}

export async function deleteIdempotencyKey(db: Db, merchantId: string, key: string) {
  await db
    .deleteFrom('idempotent_requests')
    .where('merchant_id', '=', merchantId)
    .where('key', '=', key)
    .execute();
}

/** Stores the response the key replays from now on (completed at database time). */
export async function completeIdempotentRequest(
  db: Db,
  merchantId: string,
  key: string,
  response: { statusCode: number; body: string },
): Promise<void> {
  await db
    .updateTable('idempotent_requests')
    .set({
      status_code: response.statusCode,
      response_body: response.body,
      completed_at: sql<Date>`now()`,
    })
    .where('merchant_id', '=', merchantId)
    .where('key', '=', key)
    .execute();
}
