// A Stripe payment method as Dunner stores it: the `stripe:<customer>:<method>` token and the
// display details, never a card number. The fingerprint is Stripe's, so one card saved twice is
// one credential for the network rules.

import type Stripe from 'stripe';
import type { Db } from '../../adapters/db/connect.ts';
import {
  insertPaymentMethod,
  updatePaymentMethodColumns,
} from '../../adapters/db/payment-methods.repo.ts';
import { findCustomerPaymentMethodIdByToken } from '../../adapters/db/stripe.repo.ts';
import { networkOf } from '../../adapters/gateways/stripe/raw-decline.ts';
import { stripeToken } from '../../adapters/gateways/stripe/token.ts';
import type { PaymentMethodType } from '../../domain/strategy/strategy.ts';
import { newId } from '../ids.ts';

export function fingerprintOf(method: Stripe.PaymentMethod): string {
  const fp =
    method.card?.fingerprint ??
    method.us_bank_account?.fingerprint ??
    method.sepa_debit?.fingerprint ??
    method.bacs_debit?.fingerprint ??
    null;
  return fp ? `fp_stripe_${fp}` : `fp_stripe_${method.id}`;
}

export function methodTypeOf(method: Stripe.PaymentMethod): PaymentMethodType {
  switch (method.type) {
    case 'us_bank_account':
      return 'ach';
    case 'sepa_debit':
    case 'bacs_debit':
    case 'au_becs_debit':
    case 'acss_debit':
      return 'direct_debit';
    default:
      return 'card';
  }
}

function displayOf(method: Stripe.PaymentMethod) {
  const card = method.card;
  if (card)
    return {
      brand: card.brand,
      last4: card.last4,
      exp_month: card.exp_month,
      exp_year: card.exp_year,
      network: networkOf(card.brand) ?? null,
    };
  const last4 =
    method.us_bank_account?.last4 ?? method.sepa_debit?.last4 ?? method.bacs_debit?.last4 ?? null;
  return { brand: null, last4, exp_month: null, exp_year: null, network: null };
}

/** The customer's Dunner method for this Stripe method: found by its token, else added. */
export async function ensureStripeMethod(
  db: Db,
  input: {
    merchantId: string;
    customerId: string;
    stripeCustomer: string;
    method: Stripe.PaymentMethod;
  },
): Promise<string> {
  const token = stripeToken({ customer: input.stripeCustomer, paymentMethod: input.method.id });
  const details = { ...displayOf(input.method), fingerprint: fingerprintOf(input.method) };
  const existing = await findCustomerPaymentMethodIdByToken(
    db,
    input.merchantId,
    input.customerId,
    token,
  );
  if (existing) {
    await updatePaymentMethodColumns(db, input.merchantId, existing, details);
    return existing;
  }
  const paymentMethodId = newId('pm');
  await insertPaymentMethod(db, {
    merchant_id: input.merchantId,
    payment_method_id: paymentMethodId,
    customer_id: input.customerId,
    type: methodTypeOf(input.method),
    gateway: 'stripe',
    gateway_token: token,
    changed_at: null,
    ...details,
  });
  return paymentMethodId;
}
