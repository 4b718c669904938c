// Reading payment methods: one by id, or a customer's, newest first. Always within one merchant.
import { sql } from 'kysely';
import type { Db } from '../../adapters/db/connect.ts';
import type { PaymentMethodRow } from '../../adapters/db/schema.ts';
import { fail, ok, type Result } from '../result.ts';
import type { PageRequest } from './read-customers.ts';

export async function getPaymentMethod(
  db: Db,
  merchantId: string,
  paymentMethodId: string,
): Promise<Result<PaymentMethodRow>> {
  const row = await db
    .selectFrom('payment_methods')
    .selectAll()
    .where('merchant_id', '=', merchantId)
    .where('payment_method_id', '=', paymentMethodId)
    .executeTakeFirst();
  return row ? ok(row) : fail('not_found', `no payment method ${paymentMethodId}`, 'id');
}

/** A customer's methods; `limit + 1` rows so the caller can tell whether another page follows. */
export async function listPaymentMethods(
  db: Db,
  merchantId: string,
  customerId: string,
  page: PageRequest,
): Promise<Result<PaymentMethodRow[]>> {
  const customer = await db
    .selectFrom('customers')
    .select('customer_id')
    .where('merchant_id', '=', merchantId)
    .where('customer_id', '=', customerId)
    .executeTakeFirst();
  if (!customer) return fail('not_found', `no customer ${customerId}`, 'id');
  if (page.startingAfter !== undefined) {
    const after = await db
      .selectFrom('payment_methods')
      .select('payment_method_id')
      .where('merchant_id', '=', merchantId)
      .where('customer_id', '=', customerId)
      .where('payment_method_id', '=', page.startingAfter)
      .executeTakeFirst();
    if (!after)
      return fail(
        'invalid_field',
        'starting_after is not a payment method of this list',
        'starting_after',
      );
  }
  const rows = await db
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
    .limit(page.limit + 1)
    .execute();
  return ok(rows);
}
