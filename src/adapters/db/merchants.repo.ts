// Merchants: the row, its mode, its settings and its business clock.
import type { Db } from './connect.ts';
import type { MerchantRow } from './schema.ts';

/** The slice of a clock this layer reads; the app's Clock fits it. */
export type NowSource = { now(): Date };

/** The merchant's row, or undefined when there is none. */
export async function findMerchant(db: Db, merchantId: string): Promise<MerchantRow | undefined> {
  return db
    .selectFrom('merchants')
    .selectAll()
    .where('merchant_id', '=', merchantId)
    .executeTakeFirst();
}

/** The merchant's row, locked for the rest of the transaction. */
export async function lockMerchant(db: Db, merchantId: string): Promise<MerchantRow | undefined> {
  return db
    .selectFrom('merchants')
    .selectAll()
    .where('merchant_id', '=', merchantId)
    .forUpdate()
    .executeTakeFirst();
}

export async function merchantExists(db: Db, merchantId: string): Promise<boolean> {
  const row = await db
    .selectFrom('merchants')
    .select('merchant_id')
    .where('merchant_id', '=', merchantId)
    .executeTakeFirst();
  return row !== undefined;
}

/** The merchant's mode; throws when there is no such merchant. */
export async function getMerchantMode(db: Db, merchantId: string): Promise<'test' | 'live'> {
  const row = await db
    .selectFrom('merchants')
    .select('mode')
    .where('merchant_id', '=', merchantId)
    .executeTakeFirstOrThrow();
  return row.mode;
}

/** Business time for one merchant: its test clock in test mode, the real clock otherwise. */
export async function readMerchantNow(db: Db, merchantId: string, clock: NowSource): Promise<Date> {
  const row = await db
    .selectFrom('merchants')
    .select('test_clock_at')
    .where('merchant_id', '=', merchantId)
    .executeTakeFirstOrThrow();
  return row.test_clock_at ?? clock.now();
}

export async function insertMerchant(
  db: Db,
  row: {
    merchant_id: string;
    name: string;
    mode: 'test' | 'live';
    test_clock_at: Date | null;
    default_grace_days: number;
  },
): Promise<void> {
  await db
    .insertInto('merchants')
    .values({ ...row, from_address: null, bcc_address: null, support_contact: null })
    .execute();
}

export type MerchantColumns = {
  name?: string;
  from_address?: string | null;
  bcc_address?: string | null;
  support_contact?: string | null;
  default_grace_days?: number;
};

/** Writes the given columns and the whole settings object. */
export async function updateMerchant(
  db: Db,
  merchantId: string,
  columns: MerchantColumns,
  settings: Record<string, unknown>,
): Promise<void> {
  await db
    .updateTable('merchants')
    .set({ ...columns, settings: JSON.stringify(settings) })
    .where('merchant_id', '=', merchantId)
    .execute();
}

/** Replaces the merchant's settings object. */
export async function setMerchantSettings(
  db: Db,
  merchantId: string,
  settings: Record<string, unknown>,
): Promise<void> {
  await db
    .updateTable('merchants')
    .set({ settings: JSON.stringify(settings) })
    .where('merchant_id', '=', merchantId)
    .execute();
}

/** The merchant's row; throws when there is no such merchant. */
export async function getMerchant(db: Db, merchantId: string): Promise<MerchantRow> {
  return db
    .selectFrom('merchants')
    .selectAll()
    .where('merchant_id', '=', merchantId)
    .executeTakeFirstOrThrow();
}

/** Every merchant's id, oldest first (operator tasks over the whole instance). */
export async function listMerchantIds(db: Db): Promise<string[]> {
  const rows = await db
    .selectFrom('merchants')
    .select('merchant_id')
    .orderBy('created_at')
    .orderBy('merchant_id')
    .execute();
  return rows.map((r) => r.merchant_id);
}
