// Payment methods: a gateway token and display details, never a card number.
import type { Insertable, UpdateObject } from 'kysely';
import { sql } from 'kysely';
import type { Db } from './connect.ts';
import type { Database, PaymentMethodRow, PaymentMethodsTable } from './schema.ts';

/** The merchant's payment method with this id. */
export async function findPaymentMethod(
  db: Db,
  merchantId: string,
  paymentMethodId: string,
): Promise<PaymentMethodRow | undefined> {
  return db
    .selectFrom('payment_methods')
    .selectAll()
    .where('merchant_id', '=', merchantId)
    .where('payment_method_id', '=', paymentMethodId)
    .executeTakeFirst();
}

/** The same, locked for the rest of the transaction. */
export async function lockPaymentMethod(
  db: Db,
  merchantId: string,
  paymentMethodId: string,
): Promise<PaymentMethodRow | undefined> {
  return db
    .selectFrom('payment_methods')
    .selectAll()
    .where('merchant_id', '=', merchantId)
    .where('payment_method_id', '=', paymentMethodId)
    .forUpdate()
    .executeTakeFirst();
}

export async function customerHasPaymentMethod(
  db: Db,
  merchantId: string,
  customerId: string,
  paymentMethodId: string,
): Promise<boolean> {
  const row = await db
    .selectFrom('payment_methods')
    .select('payment_method_id')
    .where('merchant_id', '=', merchantId)
    .where('customer_id', '=', customerId)
    .where('payment_method_id', '=', paymentMethodId)
    .executeTakeFirst();
  return row !== undefined;
}

/** A customer's methods, newest first, `limit` rows after the cursor method. */
export async function listPaymentMethodPage(
  db: Db,
  merchantId: string,
  customerId: string,
  page: { limit: number; startingAfter?: string },
): Promise<PaymentMethodRow[]> {
  return db
    .selectFrom('payment_methods')
    .selectAll()
    .where('merchant_id', '=', merchantId)
    .where('customer_id', '=', customerId)
    .$if(page.startingAfter !== undefined, (q) =>
      // Compared in SQL: created_at has microseconds, a JS Date only milliseconds.
      q.where(
        sql<boolean>`(created_at, payment_method_id) < (SELECT created_at, payment_method_id FROM payment_methods WHERE merchant_id = ${merchantId} AND payment_method_id = ${page.startingAfter})`,
      ),
    )
    .orderBy('created_at', 'desc')
    .orderBy('payment_method_id', 'desc')
    .limit(page.limit)
    .execute();
}

export async function insertPaymentMethod(
  db: Db,
  row: Insertable<PaymentMethodsTable>,
): Promise<void> {
  await db.insertInto('payment_methods').values(row).execute();
}

export async function updatePaymentMethodColumns(
  db: Db,
  merchantId: string,
  paymentMethodId: string,
  set: UpdateObject<Database, 'payment_methods'>,
): Promise<void> {
  await db
    .updateTable('payment_methods')
    .set(set)
    .where('merchant_id', '=', merchantId)
    .where('payment_method_id', '=', paymentMethodId)
    .execute();
}

/** The merchant's payment method with this id; throws when there is none. */
export async function getPaymentMethod(
  db: Db,
  merchantId: string,
  paymentMethodId: string,
): Promise<PaymentMethodRow> {
  return db
    .selectFrom('payment_methods')
    .selectAll()
    .where('merchant_id', '=', merchantId)
    .where('payment_method_id', '=', paymentMethodId)
    .executeTakeFirstOrThrow();
}

/** Marks the method changed at `at` (rules that wait for a new method are satisfied). */
export async function touchPaymentMethodChanged(
  db: Db,
  merchantId: string,
  paymentMethodId: string,
  at: Date,
): Promise<PaymentMethodRow> {
  return db
    .updateTable('payment_methods')
    .set({ changed_at: at })
    .where('merchant_id', '=', merchantId)
    .where('payment_method_id', '=', paymentMethodId)
    .returningAll()
    .executeTakeFirstOrThrow();
}

export async function insertPaymentMethodReturning(
  db: Db,
  row: Insertable<PaymentMethodsTable>,
): Promise<PaymentMethodRow> {
  return db.insertInto('payment_methods').values(row).returningAll().executeTakeFirstOrThrow();
}
