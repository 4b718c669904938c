// The test gateway's ledger, as a processor keeps one: one row per idempotency key, counting the
// requests that carried it. Many requests are booked in one statement.
import { sql } from 'kysely';
import type { Db } from './connect.ts';

export type LedgerRequest = {
  merchant_id: string;
  idempotency_key: string;
  token: string;
  amount_minor: number;
  currency: string;
  outcome: 'succeeded' | 'declined';
  decline_code: string | null;
};

export type LedgerRow = LedgerRequest & { request_count: number };

/** Books requests with distinct keys; a key already booked keeps its first answer and counts. */
export async function bookTestCharges(
  db: Db,
  requests: readonly LedgerRequest[],
): Promise<LedgerRow[]> {
  const { rows } = await sql<LedgerRow>`INSERT INTO test_gateway_charges
      (merchant_id, idempotency_key, token, amount_minor, currency, outcome, decline_code)
    SELECT merchant_id, idempotency_key, token, amount_minor, currency, outcome, decline_code
    FROM jsonb_to_recordset(${JSON.stringify(requests)}::jsonb) AS x(merchant_id text,
      idempotency_key text, token text, amount_minor bigint, currency text, outcome text,
      decline_code text)
    ON CONFLICT (merchant_id, idempotency_key) DO UPDATE SET
      request_count = test_gateway_charges.request_count + 1, last_requested_at = clock_timestamp()
    RETURNING merchant_id, idempotency_key, token, amount_minor, currency, outcome, decline_code,
      request_count`.execute(db);
  return rows;
}
