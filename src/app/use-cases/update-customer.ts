// Changes a customer's name, email, locale or time zone. A new time zone applies to steps planned
// from now on; running cases keep the zone they opened with.
import { IANAZone } from 'luxon';
import { lockCustomer, updateCustomerColumns } from '../../adapters/db/customers.repo.ts';
import { recordEvent } from '../../adapters/db/events.repo.ts';
import { readMerchantNow } from '../../adapters/db/merchants.repo.ts';
import type { Deps } from '../deps.ts';
import { fail, ok, type Result } from '../result.ts';

export type UpdateCustomerInput = {
  merchantId: string;
  customerId: string;
  name?: string;
  email?: string;
  locale?: string;
  timeZone?: string;
};

// The same rules as createCustomer.
const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;
const LOCALE = /^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$/;

export async function updateCustomer(
  deps: Pick<Deps, 'db' | 'clock'>,
  input: UpdateCustomerInput,
): Promise<Result<{ customerId: string; changed: string[] }>> {
  if (input.name !== undefined && input.name.trim() === '')
    return fail('invalid_field', 'name cannot be empty', 'name');
  if (input.email !== undefined && !EMAIL.test(input.email))
    return fail('invalid_field', 'email must be an email address', 'email');
  if (input.locale !== undefined && !LOCALE.test(input.locale))
    return fail('invalid_field', 'locale must be a BCP 47 tag such as en-US', 'locale');
  if (input.timeZone !== undefined && !IANAZone.isValidZone(input.timeZone))
    return fail(
      'invalid_field',
      `time_zone must be an IANA time zone such as Europe/Paris (got ${input.timeZone})`,
      'time_zone',
    );
  const set = {
    ...(input.name !== undefined ? { name: input.name.trim() } : {}),
    ...(input.email !== undefined ? { email: input.email } : {}),
    ...(input.locale !== undefined ? { locale: input.locale } : {}),
    ...(input.timeZone !== undefined ? { time_zone: input.timeZone } : {}),
  };
  return deps.db.transaction().execute(async (trx) => {
    const existing = await lockCustomer(trx, input.merchantId, input.customerId);
    if (!existing) return fail('not_found', `no customer ${input.customerId}`, 'customer_id');
    const changed = Object.entries(set)
      .filter(([k, v]) => existing[k as keyof typeof existing] !== v)
      .map(([k]) => k);
    if (changed.length === 0) return ok({ customerId: input.customerId, changed });
    await updateCustomerColumns(trx, input.merchantId, input.customerId, set);
    await recordEvent(trx, {
      merchantId: input.merchantId,
      type: 'customer.updated',
      occurredAt: await readMerchantNow(trx, input.merchantId, deps.clock),
      data: { customer_id: input.customerId, changed },
    });
    return ok({ customerId: input.customerId, changed });
  });
}
