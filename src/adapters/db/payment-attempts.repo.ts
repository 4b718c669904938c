// Payment attempts as the read side (timelines, reports) sees them.
import { sql } from 'kysely';
import type { Db } from './connect.ts';
import type { AttemptRow, CaseRow } from './schema.ts';

/**
 * Counts one more request for each attempt, in the transaction that commits before the requests
 * go out: a request whose answer is never recorded (the process died) is counted all the same.
 */
export async function countSends(
  trx: Db,
  attempts: readonly Pick<AttemptRow, 'merchant_id' | 'attempt_id'>[],
): Promise<void> {
  if (attempts.length === 0) return;
  await sql`UPDATE payment_attempts a SET sends = a.sends + 1
    FROM unnest(${attempts.map((a) => a.merchant_id)}::text[], ${attempts.map((a) => a.attempt_id)}::text[])
      AS k(merchant_id, attempt_id)
    WHERE a.merchant_id = k.merchant_id AND a.attempt_id = k.attempt_id`.execute(trx);
}

/**
 * The case's own attempts, and those of its subscription made while it was open with no case id,
 * in the order they completed.
 */
export async function listCaseAttempts(
  db: Db,
  row: Pick<CaseRow, 'merchant_id' | 'case_id' | 'subscription_id' | 'opened_at' | 'closed_at'>,
): Promise<AttemptRow[]> {
  return db
    .selectFrom('payment_attempts')
    .selectAll()
    .where('merchant_id', '=', row.merchant_id)
    .where((eb) =>
      eb.or([
        eb('case_id', '=', row.case_id),
        eb.and([
          eb('case_id', 'is', null),
          eb('subscription_id', '=', row.subscription_id),
          eb(sql`coalesce(completed_at, requested_at)`, '>=', row.opened_at),
          ...(row.closed_at
            ? [eb(sql`coalesce(completed_at, requested_at)`, '<=', row.closed_at)]
            : []),
        ]),
      ]),
    )
    .orderBy(sql`coalesce(completed_at, requested_at)`)
    .orderBy('created_at')
    .execute();
}

export async function getAttempt(
  db: Db,
  merchantId: string,
  attemptId: string,
): Promise<AttemptRow> {
  return db
    .selectFrom('payment_attempts')
    .selectAll()
    .where('merchant_id', '=', merchantId)
    .where('attempt_id', '=', attemptId)
    .executeTakeFirstOrThrow();
}

/** How many manual retries the case has had (each gets its own idempotency key). */
export async function countManualAttemptsOfCase(
  db: Db,
  merchantId: string,
  caseId: string,
): Promise<number> {
  const row = await db
    .selectFrom('payment_attempts')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('merchant_id', '=', merchantId)
    .where('case_id', '=', caseId)
    .where('purpose', '=', 'manual')
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

export async function setAttemptCase(
  db: Db,
  merchantId: string,
  attemptId: string,
  caseId: string,
): Promise<void> {
  await db
    .updateTable('payment_attempts')
    .set({ case_id: caseId })
    .where('merchant_id', '=', merchantId)
    .where('attempt_id', '=', attemptId)
    .execute();
}

/** How many attempts carry an idempotency key starting with `prefix`. */
export async function countAttemptsWithKeyPrefix(
  db: Db,
  merchantId: string,
  prefix: string,
): Promise<number> {
  const row = await db
    .selectFrom('payment_attempts')
    .select(sql<number>`count(*)::int`.as('n'))
    .where('merchant_id', '=', merchantId)
    .where('idempotency_key', 'like', `${prefix}%`)
    .executeTakeFirstOrThrow();
  return row.n;
}

export async function lockAttempt(
  db: Db,
  merchantId: string,
  attemptId: string,
): Promise<AttemptRow> {
  return db
    .selectFrom('payment_attempts')
    .selectAll()
    .where('merchant_id', '=', merchantId)
    .where('attempt_id', '=', attemptId)
    .forUpdate()
    .executeTakeFirstOrThrow();
}

/** The `why` of the case's latest failed attempt. */
export async function findLastFailedAttemptOfCase(db: Db, merchantId: string, caseId: string) {
  return db
    .selectFrom('payment_attempts')
    .select(['why'])
    .where('merchant_id', '=', merchantId)
    .where('case_id', '=', caseId)
    .where('status', '=', 'failed')
    .orderBy('requested_at', 'desc')
    .orderBy('created_at', 'desc')
    .limit(1)
    .executeTakeFirst();
}
