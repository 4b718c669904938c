import { IANAZone } from 'luxon';
import { insertCustomer } from '../../adapters/db/customers.repo.ts';
import type { Deps } from '../deps.ts';
import { newId } from '../ids.ts';
import { fail, ok, type Result } from '../result.ts';

export type CreateCustomerInput = {
  merchantId: string;
  name: string;
  email: string;
  locale?: string;
  timeZone?: string;
};

const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

export async function createCustomer(
  deps: Pick<Deps, 'db'>,
  input: CreateCustomerInput,
): Promise<Result<{ customerId: string }>> {
  if (typeof input.name !== 'string' || input.name.trim() === '')
    return fail('invalid_field', 'name is required', 'name');
  if (typeof input.email !== 'string' || !EMAIL.test(input.email))
    return fail('invalid_field', 'email must be an email address', 'email');
  const timeZone = input.timeZone ?? 'UTC';
  if (!IANAZone.isValidZone(timeZone))
    return fail(
      'invalid_field',
      `time_zone must be an IANA time zone such as Europe/Paris (got ${timeZone})`,
      'time_zone',
    );
  const locale = input.locale ?? 'en-US';
  if (!/^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$/.test(locale))
    return fail('invalid_field', 'locale must be a BCP 47 tag such as en-US', 'locale');
  const customerId = newId('cus');
  await insertCustomer(deps.db, {
    merchant_id: input.merchantId,
    customer_id: customerId,
    name: input.name.trim(),
    email: input.email,
    locale,
    time_zone: timeZone,
  });
  return ok({ customerId });
}
