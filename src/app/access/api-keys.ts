// API keys: `dk_test_…` / `dk_live_…`. The key is shown once at creation; the table keeps its hash
// and a short prefix. A key works only for a merchant of the same mode (test keys on test merchants).
import { findActiveApiKeyByHash, insertApiKey } from '../../adapters/db/api-keys.repo.ts';
import type { Db } from '../../adapters/db/connect.ts';
import { getMerchantMode } from '../../adapters/db/merchants.repo.ts';
import { newId } from '../ids.ts';
import { randomSecret, sha256Hex } from './secrets.ts';

export type Mode = 'test' | 'live';

export type Caller = {
  readonly merchantId: string;
  readonly mode: Mode;
  readonly via: 'api_key' | 'session';
  readonly keyId: string | null;
  readonly operatorId: string | null;
};

export type CreatedApiKey = { keyId: string; key: string; prefix: string; mode: Mode };

export async function createApiKey(
  db: Db,
  input: { merchantId: string; label?: string },
): Promise<CreatedApiKey> {
  const mode = await getMerchantMode(db, input.merchantId);
  const key = `dk_${mode}_${randomSecret(24)}`;
  const keyId = newId('key');
  const prefix = key.slice(0, 12);
  await insertApiKey(db, {
    merchant_id: input.merchantId,
    key_id: keyId,
    mode,
    prefix,
    secret_hash: sha256Hex(key),
    label: input.label ?? '',
  });
  return { keyId, key, prefix, mode };
}

/** The caller a key stands for, or null when it is unknown, revoked or of the wrong mode. */
export async function authenticateApiKey(db: Db, key: string): Promise<Caller | null> {
  const mode = /^dk_(test|live)_[A-Za-z0-9_-]{20,64}$/.exec(key)?.[1] as Mode | undefined;
  if (!mode) return null;
  const row = await findActiveApiKeyByHash(db, sha256Hex(key));
  if (!row || row.mode !== mode || row.merchant_mode !== mode) return null;
  return { merchantId: row.merchant_id, mode, via: 'api_key', keyId: row.key_id, operatorId: null };
}
