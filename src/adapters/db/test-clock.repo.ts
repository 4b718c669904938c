// What the test clock reads and writes while it walks a test merchant's time forward.
import { sql } from 'kysely';
import type { Db } from './connect.ts';

export async function loadTestClock(
  db: Db,
  merchantId: string,
): Promise<{ mode: 'test' | 'live'; test_clock_at: Date | null } | undefined> {
  return db
    .selectFrom('merchants')
    .select(['mode', 'test_clock_at'])
    .where('merchant_id', '=', merchantId)
    .executeTakeFirst();
}

export async function setTestClock(db: Db, merchantId: string, at: Date): Promise<void> {
  await db
    .updateTable('merchants')
    .set({ test_clock_at: at })
    .where('merchant_id', '=', merchantId)
    .execute();
}

/**
 * The earliest moment after `after` at which a case or a renewal of this merchant falls due, and,
 * with `withMessages`, a queued or held message.
 */
export async function nextDueAfter(
  db: Db,
  merchantId: string,
  after: Date,
  withMessages: boolean,
): Promise<Date | null> {
  const messages = withMessages
    ? sql`(SELECT min(available_at) FROM outbox WHERE merchant_id = ${merchantId} AND topic = 'message' AND delivered_at IS NULL AND canceled_at IS NULL AND available_at > ${after}),
      (SELECT min(deferred_until) FROM messages WHERE merchant_id = ${merchantId} AND status = 'deferred' AND deferred_until > ${after}),`
    : sql``;
  const row = await sql<{ at: Date | null }>`
    SELECT least(
      ${messages}
      (SELECT min(next_action_at) FROM dunning_cases WHERE merchant_id = ${merchantId} AND status = 'open' AND next_action_at > ${after}),
      (SELECT min(next_renewal_at) FROM subscriptions WHERE merchant_id = ${merchantId} AND next_renewal_at > ${after})
    ) AS at`.execute(db);
  return row.rows[0]?.at ?? null;
}

/**
 * Items of this merchant due at `at`: all of them, and those a worker holds a live lease on. Read
 * in one statement, so an item another worker hands back (its lease released, its next step due
 * now) is counted either as held or as due, never as neither.
 */
export async function countDueAt(
  db: Db,
  merchantId: string,
  at: Date,
): Promise<{ due: number; leased: number }> {
  const row = await sql<{ due: number; leased: number }>`
    SELECT (SELECT count(*) FROM dunning_cases WHERE merchant_id = ${merchantId} AND status = 'open'
              AND next_action_at <= ${at})
         + (SELECT count(*) FROM subscriptions WHERE merchant_id = ${merchantId}
              AND next_renewal_at <= ${at}) AS due,
           (SELECT count(*) FROM dunning_cases WHERE merchant_id = ${merchantId} AND status = 'open'
              AND next_action_at <= ${at} AND lease_until > now())
         + (SELECT count(*) FROM subscriptions WHERE merchant_id = ${merchantId}
              AND next_renewal_at <= ${at} AND lease_until > now()) AS leased`.execute(db);
  return { due: Number(row.rows[0]?.due ?? 0), leased: Number(row.rows[0]?.leased ?? 0) };
}
