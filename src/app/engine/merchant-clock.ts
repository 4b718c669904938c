import type { Db } from '../../adapters/db/connect.ts';
import { type Clock, merchantNow } from '../clock.ts';

/** Business time for one merchant: its test clock in test mode, the real clock otherwise. */
export async function nowForMerchant(db: Db, clock: Clock, merchantId: string): Promise<Date> {
  const m = await db
    .selectFrom('merchants')
    .select('test_clock_at')
    .where('merchant_id', '=', merchantId)
    .executeTakeFirstOrThrow();
  return merchantNow(m, clock);
}
