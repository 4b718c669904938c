// The baseline the engine is held against: due dunning_cases claimed in batches of 100 with
// FOR UPDATE SKIP LOCKED and updated (leased) in the same transaction, one connection, nothing
// else. The leases are cleared afterwards, untimed, so the engine then drains the same rows.
import { sql } from 'kysely';
import type { Db } from '../src/adapters/db/connect.ts';
import { CLOCK } from './seed-due-cases.ts';

export async function rawClaimAndUpdate(
  db: Db,
  merchantId: string,
  batchSize = 100,
): Promise<{ rows: number; seconds: number }> {
  const started = process.hrtime.bigint();
  let rows = 0;
  for (;;) {
    const n = await db.transaction().execute(async (trx) => {
      const due = await sql<{ case_id: string }>`
        SELECT case_id FROM dunning_cases
        WHERE merchant_id = ${merchantId} AND status = 'open' AND next_action_at <= ${CLOCK}
          AND (lease_until IS NULL OR lease_until < now())
        ORDER BY next_action_at LIMIT ${batchSize}
        FOR UPDATE SKIP LOCKED`.execute(trx);
      if (due.rows.length === 0) return 0;
      const ids = due.rows.map((r) => r.case_id);
      const updated = await sql`
        UPDATE dunning_cases SET lease_owner = 'raw', lease_until = now() + interval '5 minutes', updated_at = now()
        WHERE merchant_id = ${merchantId} AND case_id = ANY(${ids})`.execute(trx);
      return Number(updated.numAffectedRows ?? 0);
    });
    if (n === 0) break;
    rows += n;
  }
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  await sql`UPDATE dunning_cases SET lease_owner = NULL, lease_until = NULL
    WHERE merchant_id = ${merchantId} AND lease_owner = 'raw'`.execute(db);
  return { rows, seconds };
}
