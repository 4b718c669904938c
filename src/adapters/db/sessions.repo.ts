// Operators who sign in to the dashboard, and their sessions (the secret's hash only).
import type { Db } from './connect.ts';

/** The operator with this email, compared case-insensitively. */
export async function findOperatorByEmail(db: Db, email: string) {
  return db
    .selectFrom('operators')
    .select(['merchant_id', 'operator_id', 'password_hash', 'failed_sign_ins', 'locked_until'])
    .where((eb) => eb(eb.fn('lower', [eb.ref('email')]), '=', email.toLowerCase()))
    .executeTakeFirst();
}

/** The merchant's operator with exactly this email. */
export async function findMerchantOperator(db: Db, merchantId: string, email: string) {
  return db
    .selectFrom('operators')
    .select('operator_id')
    .where('merchant_id', '=', merchantId)
    .where('email', '=', email)
    .executeTakeFirst();
}

export async function insertOperator(
  db: Db,
  row: { merchant_id: string; operator_id: string; email: string; password_hash: string },
): Promise<string> {
  const inserted = await db
    .insertInto('operators')
    .values(row)
    .returning('operator_id')
    .executeTakeFirstOrThrow();
  return inserted.operator_id;
}

export async function setOperatorSignInFailures(
  db: Db,
  merchantId: string,
  operatorId: string,
  set: { failed_sign_ins: number; locked_until?: Date | null },
): Promise<void> {
  await db
    .updateTable('operators')
    .set(set)
    .where('merchant_id', '=', merchantId)
    .where('operator_id', '=', operatorId)
    .execute();
}

export async function insertSession(
  db: Db,
  row: {
    merchant_id: string;
    session_id: string;
    secret_hash: string;
    operator_id: string | null;
    key_id: string | null;
    expires_at: Date;
  },
): Promise<void> {
  await db.insertInto('sessions').values(row).execute();
}

/** The unended session with this secret's hash, with its merchant's mode. */
export async function findOpenSessionByHash(db: Db, secretHash: string) {
  return db
    .selectFrom('sessions')
    .innerJoin('merchants', 'merchants.merchant_id', 'sessions.merchant_id')
    .select([
      'sessions.merchant_id',
      'sessions.operator_id',
      'sessions.key_id',
      'sessions.expires_at',
      'merchants.mode',
    ])
    .where('sessions.secret_hash', '=', secretHash)
    .where('sessions.ended_at', 'is', null)
    .executeTakeFirst();
}

export async function endSessionsByHash(db: Db, secretHash: string, endedAt: Date): Promise<void> {
  await db
    .updateTable('sessions')
    .set({ ended_at: endedAt })
    .where('secret_hash', '=', secretHash)
    .execute();
}
