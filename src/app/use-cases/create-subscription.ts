import { customerExists } from '../../adapters/db/customers.repo.ts';
import { findMerchant } from '../../adapters/db/merchants.repo.ts';
import { findPaymentMethod } from '../../adapters/db/payment-methods.repo.ts';
import { findSubscription, insertSubscription } from '../../adapters/db/subscriptions.repo.ts';
import { isAmountMinor, isCurrencyCode } from '../../domain/money.ts';
import {
  BILLING_INTERVALS,
  type BillingInterval,
  periodBounds,
} from '../../domain/subscription/period.ts';
import { merchantNow } from '../clock.ts';
import type { Deps } from '../deps.ts';
import { newId } from '../ids.ts';
import { fail, ok, type Result } from '../result.ts';

export type CreateSubscriptionInput = {
  merchantId: string;
  customerId: string;
  paymentMethodId: string | null;
  productName: string;
  priceMinor: number;
  currency: string;
  interval: BillingInterval;
  intervalCount?: number;
  autoRenew?: boolean;
  /**
   * 'external': the merchant's own billing renews it and reports its failed charges
   * (POST /v1/payment_failures); the engine never charges a renewal of it, only dunning retries.
   */
  billing?: 'dunner' | 'external';
  graceDays?: number;
  /** Start of the current (already paid) period; the first renewal is at its end. Defaults to now. */
  currentPeriodStart?: Date;
  /** Makes this subscription a member of the group whose primary is given. */
  primarySubscriptionId?: string;
};

/** Hands a paid-up subscription to the engine: it renews at each period end from now on. */
export async function createSubscription(
  deps: Pick<Deps, 'db' | 'clock'>,
  input: CreateSubscriptionInput,
): Promise<Result<{ subscriptionId: string }>> {
  if (typeof input.productName !== 'string' || input.productName.trim() === '')
    return fail('invalid_field', 'product_name is required', 'product_name');
  if (!isAmountMinor(input.priceMinor))
    return fail(
      'invalid_field',
      'price must be a whole number of minor units, at least 0',
      'price_minor',
    );
  if (!isCurrencyCode(input.currency))
    return fail(
      'invalid_field',
      `currency must be an ISO 4217 code in use, such as USD (${JSON.stringify(input.currency).slice(0, 12)} is not one)`,
      'currency',
    );
  if (!BILLING_INTERVALS.includes(input.interval))
    return fail(
      'invalid_field',
      `interval must be one of ${BILLING_INTERVALS.join(', ')}`,
      'interval',
    );
  const intervalCount = input.intervalCount ?? 1;
  if (!Number.isInteger(intervalCount) || intervalCount < 1 || intervalCount > 36)
    return fail(
      'invalid_field',
      'interval_count must be a whole number from 1 to 36',
      'interval_count',
    );

  const merchant = await findMerchant(deps.db, input.merchantId);
  if (!merchant) return fail('not_found', `no merchant ${input.merchantId}`, 'merchant_id');
  const graceDays = input.graceDays ?? merchant.default_grace_days;
  if (!Number.isInteger(graceDays) || graceDays < 0 || graceDays > 90)
    return fail('invalid_field', 'grace_days must be a whole number from 0 to 90', 'grace_days');

  if (!(await customerExists(deps.db, input.merchantId, input.customerId)))
    return fail('not_found', `no customer ${input.customerId}`, 'customer_id');
  if (input.paymentMethodId !== null) {
    const pm = await findPaymentMethod(deps.db, input.merchantId, input.paymentMethodId);
    if (!pm || pm.customer_id !== input.customerId)
      return fail(
        'not_found',
        `no payment method ${input.paymentMethodId} for this customer`,
        'payment_method_id',
      );
  }
  if (input.primarySubscriptionId) {
    const primary = await findSubscription(deps.db, input.merchantId, input.primarySubscriptionId);
    if (!primary)
      return fail(
        'not_found',
        `no subscription ${input.primarySubscriptionId}`,
        'primary_subscription_id',
      );
    if (primary.primary_subscription_id)
      return fail('invalid_field', 'a group member cannot be a primary', 'primary_subscription_id');
  }

  const billing = input.billing ?? 'dunner';
  if (billing !== 'dunner' && billing !== 'external')
    return fail('invalid_field', 'billing must be dunner or external', 'billing');
  const start = input.currentPeriodStart ?? merchantNow(merchant, deps.clock);
  const bounds = periodBounds({ anchorAt: start, interval: input.interval, intervalCount }, 0);
  const subscriptionId = newId('sub');
  await insertSubscription(deps.db, {
    merchant_id: input.merchantId,
    subscription_id: subscriptionId,
    customer_id: input.customerId,
    payment_method_id: input.paymentMethodId,
    primary_subscription_id: input.primarySubscriptionId ?? null,
    product_name: input.productName.trim(),
    price_minor: input.priceMinor,
    currency: input.currency,
    billing_interval: input.interval,
    interval_count: intervalCount,
    anchor_at: start,
    current_period_start: bounds.start,
    current_period_end: bounds.end,
    next_renewal_at: billing === 'external' ? null : bounds.end,
    auto_renew: input.autoRenew ?? true,
    billing,
    grace_days: graceDays,
    state: 'active',
    past_due_since: null,
    canceled_at: null,
    pending_attempt_id: null,
    lease_owner: null,
    lease_until: null,
  });
  return ok({ subscriptionId });
}
