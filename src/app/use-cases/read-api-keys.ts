// Reading API keys: prefixes and dates only. The key itself exists nowhere after its creation.
import type { Db } from '../../adapters/db/connect.ts';

export type ApiKeyRecord = {
  key_id: string;
  mode: 'test' | 'live';
  prefix: string;
  label: string;
  created_at: Date;
  last_used_at: Date | null;
  revoked_at: Date | null;
};

/** Every key of the merchant, newest first (a merchant has a handful). */
export async function listApiKeys(db: Db, merchantId: string): Promise<ApiKeyRecord[]> {
  return db
    .selectFrom('api_keys')
    .select(['key_id', 'mode', 'prefix', 'label', 'created_at', 'last_used_at', 'revoked_at'])
    .where('merchant_id', '=', merchantId)
    .orderBy('created_at', 'desc')
    .orderBy('key_id', 'desc')
    .execute();
}

export async function getApiKey(
  db: Db,
  merchantId: string,
  keyId: string,
): Promise<ApiKeyRecord | undefined> {
  return db
    .selectFrom('api_keys')
    .select(['key_id', 'mode', 'prefix', 'label', 'created_at', 'last_used_at', 'revoked_at'])
    .where('merchant_id', '=', merchantId)
    .where('key_id', '=', keyId)
    .executeTakeFirst();
}
