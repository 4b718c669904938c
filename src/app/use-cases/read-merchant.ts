import type { Db } from '../../adapters/db/connect.ts';
import { findMerchant } from '../../adapters/db/merchants.repo.ts';
import type { MerchantRow } from '../../adapters/db/schema.ts';
import { fail, ok, type Result } from '../result.ts';

export async function getMerchant(db: Db, merchantId: string): Promise<Result<MerchantRow>> {
  const row = await findMerchant(db, merchantId);
  return row ? ok(row) : fail('not_found', `no merchant ${merchantId}`, 'merchant_id');
}
