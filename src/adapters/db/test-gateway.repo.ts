// The built-in test gateway's ledger: one row per idempotency key, as a processor keeps.
import { sql } from 'kysely';
import type { Db } from './connect.ts';

/**
 * Books a charge under its key, or counts one more request for a key booked before (the first
 * answer stands); returns what the ledger holds for the key.
 */
export async function bookTestGatewayCharge(
  db: Db,
  row: {
    merchant_id: string;
    idempotency_key: string;
    token: string;
    amount_minor: number;
    currency: string;
    outcome: 'succeeded' | 'declined';
    decline_code: string | null;
  },
) {
  return db
    .insertInto('test_gateway_charges')
    .values(row)
    .onConflict((oc) =>
      oc.columns(['merchant_id', 'idempotency_key']).doUpdateSet({
        request_count: sql`test_gateway_charges.request_count + 1`,
        last_requested_at: sql`clock_timestamp()`,
      }),
    )
    .returning(['token', 'amount_minor', 'currency', 'outcome', 'decline_code', 'request_count'])
    .executeTakeFirstOrThrow();
}
