// Customers of a merchant.
import { sql } from 'kysely';
import type { Db } from './connect.ts';
import type { CustomerRow } from './schema.ts';

export async function insertCustomer(
  db: Db,
  row: {
    merchant_id: string;
    customer_id: string;
    name: string;
    email: string;
    locale: string;
    time_zone: string;
  },
): Promise<void> {
  await db.insertInto('customers').values(row).execute();
}

export async function findCustomer(
  db: Db,
  merchantId: string,
  customerId: string,
): Promise<CustomerRow | undefined> {
  return db
    .selectFrom('customers')
    .selectAll()
    .where('merchant_id', '=', merchantId)
    .where('customer_id', '=', customerId)
    .executeTakeFirst();
}

export async function lockCustomer(
  db: Db,
  merchantId: string,
  customerId: string,
): Promise<CustomerRow | undefined> {
  return db
    .selectFrom('customers')
    .selectAll()
    .where('merchant_id', '=', merchantId)
    .where('customer_id', '=', customerId)
    .forUpdate()
    .executeTakeFirst();
}

export async function customerExists(
  db: Db,
  merchantId: string,
  customerId: string,
): Promise<boolean> {
  const row = await db
    .selectFrom('customers')
    .select('customer_id')
    .where('merchant_id', '=', merchantId)
    .where('customer_id', '=', customerId)
    .executeTakeFirst();
  return row !== undefined;
}

/** Newest first, `limit` rows after the cursor customer (which must exist; check it first). */
export async function listCustomerPage(
  db: Db,
  merchantId: string,
  page: { limit: number; startingAfter?: string },
): Promise<CustomerRow[]> {
  return db
    .selectFrom('customers')
    .selectAll()
    .where('merchant_id', '=', merchantId)
    .$if(page.startingAfter !== undefined, (q) =>
      // Compared in SQL: created_at has microseconds, a JS Date only milliseconds.
      q.where(
        sql<boolean>`(created_at, customer_id) < (SELECT created_at, customer_id FROM customers WHERE merchant_id = ${merchantId} AND customer_id = ${page.startingAfter})`,
      ),
    )
    .orderBy('created_at', 'desc')
    .orderBy('customer_id', 'desc')
    .limit(page.limit)
    .execute();
}

export type CustomerColumns = {
  name?: string;
  email?: string;
  locale?: string;
  time_zone?: string;
};

export async function updateCustomerColumns(
  db: Db,
  merchantId: string,
  customerId: string,
  set: CustomerColumns,
): Promise<void> {
  await db
    .updateTable('customers')
    .set(set)
    .where('merchant_id', '=', merchantId)
    .where('customer_id', '=', customerId)
    .execute();
}

/** The merchant's customers with this email (compared lowercased). */
export async function listCustomerIdsByEmail(
  db: Db,
  merchantId: string,
  lowercasedEmail: string,
): Promise<string[]> {
  const rows = await db
    .selectFrom('customers')
    .select('customer_id')
    .where('merchant_id', '=', merchantId)
    .where((eb) => eb(eb.fn('lower', ['email']), '=', lowercasedEmail))
    .execute();
  return rows.map((r) => r.customer_id);
}

/** Locks the customer row; false when there is none. */
export async function lockCustomerId(
  db: Db,
  merchantId: string,
  customerId: string,
): Promise<boolean> {
  const row = await db
    .selectFrom('customers')
    .select('customer_id')
    .where('merchant_id', '=', merchantId)
    .where('customer_id', '=', customerId)
    .forUpdate()
    .executeTakeFirst();
  return row !== undefined;
}

/** The customer; throws when there is none. */
export async function getCustomer(
  db: Db,
  merchantId: string,
  customerId: string,
): Promise<CustomerRow> {
  return db
    .selectFrom('customers')
    .selectAll()
    .where('merchant_id', '=', merchantId)
    .where('customer_id', '=', customerId)
    .executeTakeFirstOrThrow();
}
