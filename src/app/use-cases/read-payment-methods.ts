// Reading payment methods: one by id, or a customer's, newest first. Always within one merchant.
import type { Db } from '../../adapters/db/connect.ts';
import { customerExists } from '../../adapters/db/customers.repo.ts';
import {
  customerHasPaymentMethod,
  findPaymentMethod,
  listPaymentMethodPage,
} from '../../adapters/db/payment-methods.repo.ts';
import type { PaymentMethodRow } from '../../adapters/db/schema.ts';
import { fail, ok, type Result } from '../result.ts';
import type { PageRequest } from './read-customers.ts';

export async function getPaymentMethod(
  db: Db,
  merchantId: string,
  paymentMethodId: string,
): Promise<Result<PaymentMethodRow>> {
  const row = await findPaymentMethod(db, merchantId, paymentMethodId);
  return row ? ok(row) : fail('not_found', `no payment method ${paymentMethodId}`, 'id');
}

/** A customer's methods; `limit + 1` rows so the caller can tell whether another page follows. */
export async function listPaymentMethods(
  db: Db,
  merchantId: string,
  customerId: string,
  page: PageRequest,
): Promise<Result<PaymentMethodRow[]>> {
  if (!(await customerExists(db, merchantId, customerId)))
    return fail('not_found', `no customer ${customerId}`, 'id');
  if (page.startingAfter !== undefined) {
    if (!(await customerHasPaymentMethod(db, merchantId, customerId, page.startingAfter)))
      return fail(
        'invalid_field',
        'starting_after is not a payment method of this list',
        'starting_after',
      );
  }
  const rows = await listPaymentMethodPage(db, merchantId, customerId, {
    ...page,
    limit: page.limit + 1,
  });
  return ok(rows);
}
