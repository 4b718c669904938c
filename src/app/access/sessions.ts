// Dashboard sessions for a merchant's operators, started with an API key or an operator's email and
// password. The cookie carries `<session id>.<secret>`; the table keeps the secret's hash.
import { findApiKeyRevokedAt } from '../../adapters/db/api-keys.repo.ts';
import type { Db } from '../../adapters/db/connect.ts';
import {
  endSessionsByHash,
  findOpenSessionByHash,
  findOperatorByEmail,
  insertOperator,
  insertSession,
  setOperatorSignInFailures,
} from '../../adapters/db/sessions.repo.ts';
import type { Clock } from '../clock.ts';
import { newId } from '../ids.ts';
import { fail, ok, type Result, type UseCaseError } from '../result.ts';
import { authenticateApiKey, type Caller } from './api-keys.ts';
import { hashPassword, randomSecret, sha256Hex, verifyPassword } from './secrets.ts';

export const SESSION_COOKIE = 'dunner_session';
export const SESSION_TTL_MS = 12 * 3_600_000;
/** Wrong passwords in a row before an operator's sign-in is locked, and for how long. */
export const MAX_FAILED_SIGN_INS = 10;
export const LOCKOUT_MS = 15 * 60_000;

export type StartedSession = { cookie: string; expiresAt: Date; merchantId: string };

export async function createOperator(
  db: Db,
  input: { merchantId: string; email: string; password: string },
): Promise<Result<{ operatorId: string }>> {
  const invalid = checkOperatorInput(input);
  if (invalid) return invalid;
  const operatorId = newId('op');
  const taken = await findOperatorByEmail(db, input.email);
  if (taken) return fail('invalid_field', 'an operator with this email exists', 'email');
  const inserted = await insertOperator(db, {
    merchant_id: input.merchantId,
    operator_id: operatorId,
    email: input.email.toLowerCase(),
    password_hash: await hashPassword(input.password),
  });
  return ok({ operatorId: inserted });
}

export function checkOperatorInput(input: {
  email: string;
  password: string;
}): { ok: false; error: UseCaseError } | null {
  if (!/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(input.email))
    return fail('invalid_field', 'email must be an email address', 'email');
  if (input.password.length < 10)
    return fail('invalid_field', 'password must be at least 10 characters', 'password');
  return null;
}

export async function startSession(
  deps: { db: Db; clock: Clock },
  credentials: { apiKey: string } | { email: string; password: string },
): Promise<Result<StartedSession>> {
  let merchantId: string;
  let operatorId: string | null = null;
  let keyId: string | null = null;
  if ('apiKey' in credentials) {
    const caller = await authenticateApiKey(deps.db, credentials.apiKey.trim());
    if (!caller) return fail('unauthenticated', 'this API key is not valid', 'api_key');
    merchantId = caller.merchantId;
    keyId = caller.keyId;
  } else {
    const operator = await findOperatorByEmail(deps.db, credentials.email);
    const now = deps.clock.now();
    if (operator?.locked_until && operator.locked_until.getTime() > now.getTime())
      return fail(
        'too_many_attempts',
        `too many wrong passwords; try again after ${operator.locked_until.toISOString()}`,
        'password',
      );
    // The same answer for an unknown email and a wrong password: nothing to learn from it.
    if (!operator) return fail('unauthenticated', 'email or password is not correct', 'password');
    const where = { merchant_id: operator.merchant_id, operator_id: operator.operator_id };
    if (!(await verifyPassword(credentials.password, operator.password_hash))) {
      const failures = operator.failed_sign_ins + 1;
      const lock = failures >= MAX_FAILED_SIGN_INS;
      await setOperatorSignInFailures(deps.db, where.merchant_id, where.operator_id, {
        failed_sign_ins: lock ? 0 : failures,
        ...(lock ? { locked_until: new Date(now.getTime() + LOCKOUT_MS) } : {}),
      });
      return fail('unauthenticated', 'email or password is not correct', 'password');
    }
    if (operator.failed_sign_ins > 0 || operator.locked_until)
      await setOperatorSignInFailures(deps.db, where.merchant_id, where.operator_id, {
        failed_sign_ins: 0,
        locked_until: null,
      });
    merchantId = operator.merchant_id;
    operatorId = operator.operator_id;
  }
  const sessionId = newId('ses');
  const secret = randomSecret(32);
  const expiresAt = new Date(deps.clock.now().getTime() + SESSION_TTL_MS);
  await insertSession(deps.db, {
    merchant_id: merchantId,
    session_id: sessionId,
    secret_hash: sha256Hex(secret),
    operator_id: operatorId,
    key_id: keyId,
    expires_at: expiresAt,
  });
  return ok({ cookie: `${sessionId}.${secret}`, expiresAt, merchantId });
}

export async function authenticateSession(
  deps: { db: Db; clock: Clock },
  cookie: string,
): Promise<Caller | null> {
  const secret = cookie.split('.')[1];
  if (!secret) return null;
  const row = await findOpenSessionByHash(deps.db, sha256Hex(secret));
  if (!row || row.expires_at.getTime() <= deps.clock.now().getTime()) return null;
  if (row.key_id) {
    // A session started with a key ends when the key is revoked.
    const key = await findApiKeyRevokedAt(deps.db, row.merchant_id, row.key_id);
    if (!key || key.revoked_at) return null;
  }
  return {
    merchantId: row.merchant_id,
    mode: row.mode,
    via: 'session',
    keyId: row.key_id,
    operatorId: row.operator_id,
  };
}

export async function endSession(deps: { db: Db; clock: Clock }, cookie: string): Promise<void> {
  const secret = cookie.split('.')[1];
  if (!secret) return;
  await endSessionsByHash(deps.db, sha256Hex(secret), deps.clock.now());
}
