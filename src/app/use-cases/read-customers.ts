// Reading customers: one by id, or a cursor-paged list, newest first. Always within one merchant.
import type { Db } from '../../adapters/db/connect.ts';
import {
  customerExists,
  findCustomer,
  listCustomerPage,
} from '../../adapters/db/customers.repo.ts';
import type { CustomerRow } from '../../adapters/db/schema.ts';
import { fail, ok, type Result } from '../result.ts';

export type PageRequest = { limit: number; startingAfter?: string };

export async function getCustomer(
  db: Db,
  merchantId: string,
  customerId: string,
): Promise<Result<CustomerRow>> {
  const row = await findCustomer(db, merchantId, customerId);
  return row ? ok(row) : fail('not_found', `no customer ${customerId}`, 'id');
}

/** Fetches `limit + 1` rows so the caller can tell whether another page follows. */
export async function listCustomers(
  db: Db,
  merchantId: string,
  page: PageRequest,
): Promise<Result<CustomerRow[]>> {
  if (page.startingAfter !== undefined) {
    if (!(await customerExists(db, merchantId, page.startingAfter)))
      return fail(
        'invalid_field',
        'starting_after is not a customer of this list',
        'starting_after',
      );
  }
  const rows = await listCustomerPage(db, merchantId, {
    ...page,
    limit: page.limit + 1,
  });
  return ok(rows);
}
