// Rows the engine inserts, counted table by table before and after a drain (count(*) is exact and
// does not depend on timing). Updated rows are not counted: a step updates its case (and perhaps
// its subscription) in place, which count(*) cannot see.
import { sql } from 'kysely';
import type { DatabaseHandle } from '../src/adapters/db/connect.ts';

export type RowCounts = {
  events: number;
  webhookOutbox: number;
  messageOutbox: number;
  paymentAttempts: number;
  other: number;
};

export const ROW_KINDS: readonly (keyof RowCounts)[] = [
  'events',
  'webhookOutbox',
  'messageOutbox',
  'paymentAttempts',
  'other',
];

/** Current row counts of the tables the engine inserts into (the gateway's ledger apart). */
export async function countRows(handle: DatabaseHandle): Promise<RowCounts> {
  const { rows } = await sql<Record<keyof RowCounts, number>>`
    SELECT (SELECT count(*) FROM events)::int AS "events",
      (SELECT count(*) FROM outbox WHERE topic = 'webhook')::int AS "webhookOutbox",
      (SELECT count(*) FROM outbox WHERE topic = 'message')::int AS "messageOutbox",
      (SELECT count(*) FROM payment_attempts)::int AS "paymentAttempts",
      ((SELECT count(*) FROM dunning_cases) + (SELECT count(*) FROM charges)
        + (SELECT count(*) FROM unknown_decline_codes))::int AS "other"`.execute(handle.db);
  return rows[0]!;
}

export function rowsBetween(before: RowCounts, after: RowCounts): RowCounts {
  const out = { ...after };
  for (const k of ROW_KINDS) out[k] = after[k] - before[k];
  return out;
}

export const totalRows = (c: RowCounts) => ROW_KINDS.reduce((sum, k) => sum + c[k], 0);
