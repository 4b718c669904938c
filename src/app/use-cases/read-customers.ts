// Reading customers: one by id, or a cursor-paged list, newest first. Always within one merchant.
import { sql } from 'kysely';
import type { Db } from '../../adapters/db/connect.ts';
import type { CustomerRow } from '../../adapters/db/schema.ts';
import { fail, ok, type Result } from '../result.ts';

export type PageRequest = { limit: number; startingAfter?: string };

export async function getCustomer(
  db: Db,
  merchantId: string,
  customerId: string,
): Promise<Result<CustomerRow>> {
  const row = await db
    .selectFrom('customers')
    .selectAll()
    .where('merchant_id', '=', merchantId)
    .where('customer_id', '=', customerId)
    .executeTakeFirst();
  return row ? ok(row) : fail('not_found', `no customer ${customerId}`, 'id');
}

/** Fetches `limit + 1` rows so the caller can tell whether another page follows. */
export async function listCustomers(
  db: Db,
  merchantId: string,
  page: PageRequest,
): Promise<Result<CustomerRow[]>> {
  if (page.startingAfter !== undefined) {
    const after = await db
      .selectFrom('customers')
      .select('customer_id')
      .where('merchant_id', '=', merchantId)
      .where('customer_id', '=', page.startingAfter)
      .executeTakeFirst();
    if (!after)
      return fail(
        'invalid_field',
        'starting_after is not a customer of this list',
        'starting_after',
      );
  }
  const rows = await db
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
    .limit(page.limit + 1)
    .execute();
  return ok(rows);
}
