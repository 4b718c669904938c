// API keys: the hash and prefix of each key, never the key itself.
import type { Db } from './connect.ts';

export type ApiKeyRecord = {
  key_id: string;
  mode: 'test' | 'live';
  prefix: string;
  label: string;
  created_at: Date;
  last_used_at: Date | null;
  revoked_at: Date | null;
};

const RECORD_COLUMNS = [
  'key_id',
  'mode',
  'prefix',
  'label',
  'created_at',
  'last_used_at',
  'revoked_at',
] as const;

export async function insertApiKey(
  db: Db,
  row: {
    merchant_id: string;
    key_id: string;
    mode: 'test' | 'live';
    prefix: string;
    secret_hash: string;
    label: string;
  },
): Promise<void> {
  await db.insertInto('api_keys').values(row).execute();
}

/** The unrevoked key with this hash, with its merchant's mode. */
export async function findActiveApiKeyByHash(db: Db, secretHash: string) {
  return db
    .selectFrom('api_keys')
    .innerJoin('merchants', 'merchants.merchant_id', 'api_keys.merchant_id')
    .select([
      'api_keys.merchant_id',
      'api_keys.key_id',
      'api_keys.mode',
      'merchants.mode as merchant_mode',
    ])
    .where('api_keys.secret_hash', '=', secretHash)
    .where('api_keys.revoked_at', 'is', null)
    .executeTakeFirst();
}

/** Every key of the merchant, newest first (a merchant has a handful). */
export async function listApiKeys(db: Db, merchantId: string): Promise<ApiKeyRecord[]> {
  return db
    .selectFrom('api_keys')
    .select(RECORD_COLUMNS)
    .where('merchant_id', '=', merchantId)
    .orderBy('created_at', 'desc')
    .orderBy('key_id', 'desc')
    .execute();
}

export async function findApiKey(
  db: Db,
  merchantId: string,
  keyId: string,
): Promise<ApiKeyRecord | undefined> {
  return db
    .selectFrom('api_keys')
    .select(RECORD_COLUMNS)
    .where('merchant_id', '=', merchantId)
    .where('key_id', '=', keyId)
    .executeTakeFirst();
}

export async function lockApiKey(db: Db, merchantId: string, keyId: string) {
  return db
    .selectFrom('api_keys')
    .select(['key_id', 'prefix', 'revoked_at'])
    .where('merchant_id', '=', merchantId)
    .where('key_id', '=', keyId)
    .forUpdate()
    .executeTakeFirst();
}

export async function findApiKeyRevokedAt(db: Db, merchantId: string, keyId: string) {
  return db
    .selectFrom('api_keys')
    .select('revoked_at')
    .where('merchant_id', '=', merchantId)
    .where('key_id', '=', keyId)
    .executeTakeFirst();
}

export async function setApiKeyRevoked(
  db: Db,
  merchantId: string,
  keyId: string,
  revokedAt: Date,
): Promise<void> {
  await db
    .updateTable('api_keys')
    .set({ revoked_at: revokedAt })
    .where('merchant_id', '=', merchantId)
    .where('key_id', '=', keyId)
    .execute();
}
