// A merchant's template overrides and layout live in adapters/db/templates.repo.ts; this module
// adds the merchant's business time that template checks and previews render at.
import type { Db } from '../../../adapters/db/connect.ts';
import { findMerchant } from '../../../adapters/db/merchants.repo.ts';
import { type Clock, merchantNow, systemClock } from '../../clock.ts';

export {
  deleteLayoutRow,
  deleteTemplateRow,
  findLayoutRow,
  findTemplateRow,
  type LayoutRow,
  listTemplateRows,
  type TemplateRow,
  upsertLayoutRow,
  upsertTemplateRow,
} from '../../../adapters/db/templates.repo.ts';

/** The merchant's business time (its test clock in test mode), or null when there is no such merchant. */
export async function merchantBusinessNow(
  db: Db,
  merchantId: string,
  clock: Clock = systemClock,
): Promise<Date | null> {
  const merchant = await findMerchant(db, merchantId);
  return merchant ? merchantNow(merchant, clock) : null;
}
