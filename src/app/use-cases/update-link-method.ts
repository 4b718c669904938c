// The method the customer pays with on the hosted page: a test card typed in, a token from a
// gateway's hosted fields (stored as token, brand, last 4, expiry), or the card on file once the
// customer authenticated it. Switching to a new method is recorded as the customer's update.

import type Stripe from 'stripe';
import type { Db } from '../../adapters/db/connect.ts';
import { getMerchantMode } from '../../adapters/db/merchants.repo.ts';
import {
  findPaymentMethod,
  insertPaymentMethodReturning,
  touchPaymentMethodChanged,
} from '../../adapters/db/payment-methods.repo.ts';
import type { CaseRow, PaymentMethodRow, SubscriptionRow } from '../../adapters/db/schema.ts';
import { flushUnit, newUnit } from '../../adapters/db/unit-of-work.ts';
import { isStripeToken } from '../../adapters/gateways/stripe/token.ts';
import { parseTestToken } from '../../adapters/gateways/test-gateway/cards.ts';
import { adoptCardIn } from '../engine/update-link-card.ts';
import { newId } from '../ids.ts';
import { fail, ok, type Result } from '../result.ts';
import { ensureStripeMethod } from '../stripe/stripe-methods.ts';
import type { UpdateLinkRow } from '../update-links/update-links.ts';
import { methodDetails, type TestCardInput } from './add-payment-method.ts';

export type NewMethod =
  /** A test-gateway card; only its token, brand, last 4 digits and expiry are stored. */
  | { kind: 'test_card'; number: string; exp: string }
  /** A token from a gateway's own hosted fields (e.g. a Stripe PaymentMethod id). */
  | { kind: 'gateway_token'; token: string }
  /** A card the customer saved in Stripe's fields, checked with Stripe (its SetupIntent). */
  | { kind: 'stripe_card'; stripeCustomer: string; method: Stripe.PaymentMethod }
  /** The customer approved the issuer's challenge for the method on file. */
  | { kind: 'authenticated'; paymentMethodId: string };

const TOKEN_PATTERN = /^[A-Za-z0-9_:-]{3,255}$/;

async function inTestMode(trx: Db, merchantId: string): Promise<boolean> {
  return (await getMerchantMode(trx, merchantId)) === 'test';
}

/** The method to charge: a new one (stored as token, brand, last 4, expiry), or the one on file. */
export async function chooseMethod(
  trx: Db,
  row: CaseRow,
  sub: SubscriptionRow,
  method: NewMethod,
  at: Date,
): Promise<Result<{ method: PaymentMethodRow; authenticated: boolean }>> {
  switch (method.kind) {
    case 'authenticated': {
      const pm = sub.payment_method_id
        ? await findPaymentMethod(trx, row.merchant_id, sub.payment_method_id)
        : undefined;
      // The challenge confirmed one card: it must still be the one on file and still need it.
      if (
        !pm ||
        pm.payment_method_id !== method.paymentMethodId ||
        pm.gateway !== 'test' ||
        row.last_category !== 'authentication_required'
      )
        return fail('invalid_state', 'this payment no longer needs to be confirmed', null);
      return ok({ method: pm, authenticated: true });
    }
    case 'test_card': {
      // Test cards charge nothing real: only a test-mode merchant's page takes them.
      if (!(await inTestMode(trx, row.merchant_id)))
        return fail(
          'invalid_field',
          "Card numbers can't be entered on this page. Contact the company that sent the link.",
          'card_number',
        );
      const number = method.number.replace(/[\s-]/g, '');
      if (number === '') return fail('invalid_field', 'Enter your card number.', 'card_number');
      if (!/^\d{12,19}$/.test(number))
        return fail('invalid_field', 'Enter a card number of 12 to 19 digits.', 'card_number');
      const exp = parseExpiry(method.exp, at);
      if (!exp.ok) return exp;
      return insertMethod(trx, row, sub, { testCard: { number, ...exp.value } }, at);
    }
    case 'gateway_token': {
      const token = method.token.trim();
      const invalid = fail(
        'invalid_field',
        'The payment details were not accepted.',
        'payment_method_token',
      );
      if (!TOKEN_PATTERN.test(token)) return invalid;
      // A test-gateway token carries its test card: stored as that card, brand and last 4 included.
      const test = parseTestToken(token);
      if (test) {
        if (!(await inTestMode(trx, row.merchant_id))) return invalid;
        const testCard = {
          number: test.card.number,
          ...(test.succeedsFrom ? { succeedsFrom: test.succeedsFrom } : {}),
        };
        return insertMethod(trx, row, sub, { testCard }, at);
      }
      if (isStripeToken(token))
        return insertMethod(trx, row, sub, { gatewayToken: token }, at, 'stripe');
      return invalid;
    }
    case 'stripe_card': {
      const paymentMethodId = await ensureStripeMethod(trx, {
        merchantId: row.merchant_id,
        customerId: sub.customer_id,
        stripeCustomer: method.stripeCustomer,
        method: method.method,
      });
      // The customer just gave these details: rules that wait for a changed method are satisfied.
      const pm = await touchPaymentMethodChanged(trx, row.merchant_id, paymentMethodId, at);
      return ok({ method: pm, authenticated: false });
    }
    default: {
      const unreachable: never = method;
      return unreachable;
    }
  }
}

async function insertMethod(
  trx: Db,
  row: CaseRow,
  sub: SubscriptionRow,
  input: { testCard?: TestCardInput; gatewayToken?: string },
  at: Date,
  gateway?: string,
): Promise<Result<{ method: PaymentMethodRow; authenticated: boolean }>> {
  const details = methodDetails('card', input, sub.customer_id);
  if (!details.ok) {
    const field = input.testCard ? 'card_number' : 'payment_method_token';
    return fail(
      'invalid_field',
      input.testCard
        ? 'This card number is not accepted here. Check the number or use another card.'
        : 'The payment details were not accepted.',
      field,
    );
  }
  const pm = await insertPaymentMethodReturning(trx, {
    merchant_id: row.merchant_id,
    payment_method_id: newId('pm'),
    customer_id: sub.customer_id,
    type: 'card',
    ...details.value,
    ...(gateway ? { gateway } : {}),
    // The customer just gave these details: rules that wait for a changed method are satisfied.
    changed_at: at,
  });
  return ok({ method: pm, authenticated: false });
}

/** "MM/YY", "MM / YYYY" or "MMYY"; a card that expired before this month is refused. */
function parseExpiry(raw: string, at: Date): Result<{ expMonth: number; expYear: number }> {
  const text = raw.trim();
  if (text === '') return fail('invalid_field', 'Enter the expiry date, as MM/YY.', 'exp');
  const m = /^(\d{1,2})\s*[/-]?\s*(\d{2}|\d{4})$/.exec(text.replace(/\s*\/\s*/, '/'));
  if (!m) return fail('invalid_field', 'Enter the expiry date as MM/YY, for example 04/29.', 'exp');
  const month = Number(m[1]);
  const year = m[2]!.length === 2 ? 2000 + Number(m[2]) : Number(m[2]);
  if (month < 1 || month > 12)
    return fail('invalid_field', 'The expiry month must be from 01 to 12.', 'exp');
  const thisMonth = at.getUTCFullYear() * 12 + at.getUTCMonth();
  if (year * 12 + (month - 1) < thisMonth)
    return fail(
      'invalid_field',
      'This card has expired. Use a card with a later expiry date.',
      'exp',
    );
  if (year > at.getUTCFullYear() + 30)
    return fail('invalid_field', 'Check the expiry year.', 'exp');
  return ok({ expMonth: month, expYear: year });
}

/** Switches the subscription and its case to the customer's new method, as a new method from the customer does. */
export async function switchMethod(
  trx: Db,
  row: CaseRow,
  sub: SubscriptionRow,
  pm: PaymentMethodRow,
  link: UpdateLinkRow,
  at: Date,
): Promise<void> {
  const unit = newUnit();
  adoptCardIn(unit, row, sub, pm, link.link_id, at);
  await flushUnit(trx, unit);
}
