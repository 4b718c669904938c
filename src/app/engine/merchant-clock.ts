import type { Db } from '../../adapters/db/connect.ts';
import { loadMerchantClock } from '../../adapters/db/engine.repo.ts';
import { type Clock, merchantNow } from '../clock.ts';

/** Business time for one merchant: its test clock in test mode, the real clock otherwise. */
export async function nowForMerchant(db: Db, clock: Clock, merchantId: string): Promise<Date> {
  const m = await loadMerchantClock(db, merchantId);
  if (!m) throw new Error(`no merchant ${merchantId}`);
  return merchantNow(m, clock);
}
