import type { Db } from '../../adapters/db/connect.ts';
import { customerExists } from '../../adapters/db/customers.repo.ts';
import { getMerchantMode } from '../../adapters/db/merchants.repo.ts';
import { insertPaymentMethod } from '../../adapters/db/payment-methods.repo.ts';
import { isStripeToken } from '../../adapters/gateways/stripe/token.ts';
import {
  findTestCard,
  testFingerprint,
  tokenizeTestCard,
} from '../../adapters/gateways/test-gateway/cards.ts';
import { PAYMENT_METHOD_TYPES, type PaymentMethodType } from '../../domain/strategy/strategy.ts';
import type { Deps } from '../deps.ts';
import { newId } from '../ids.ts';
import { fail, ok, type Result } from '../result.ts';

/** A test-gateway card: only its token, brand, last 4 digits and expiry are stored. */
export type TestCardInput = {
  number: string;
  expMonth?: number;
  expYear?: number;
  succeedsFrom?: Date;
};

export type AddPaymentMethodInput = {
  merchantId: string;
  customerId: string;
  type: PaymentMethodType;
  testCard?: TestCardInput;
  /** A token from a real gateway's hosted fields. */
  gatewayToken?: string;
};

export type MethodDetails = {
  gateway: string;
  gateway_token: string;
  brand: string | null;
  network: string | null;
  fingerprint: string;
  last4: string | null;
  exp_month: number | null;
  exp_year: number | null;
};

/** What is stored of a method: never a card number, only the token and display details. */
export function methodDetails(
  type: PaymentMethodType,
  input: { testCard?: TestCardInput; gatewayToken?: string },
  customerId: string,
): Result<MethodDetails> {
  if (type === 'pay_link') {
    return ok({
      gateway: 'none',
      gateway_token: 'pay_link',
      brand: null,
      network: null,
      fingerprint: newId('fp'),
      last4: null,
      exp_month: null,
      exp_year: null,
    });
  }
  if (input.testCard) {
    if (type !== 'card') return fail('invalid_field', 'a test card needs type card', 'type');
    const card = findTestCard(input.testCard.number);
    if (!card)
      return fail(
        'invalid_field',
        'not a test card number (see docs/test-cards.md)',
        'test_card.number',
      );
    if (card.behaviour.kind === 'decline_until' && !input.testCard.succeedsFrom) {
      return fail(
        'invalid_field',
        'this test card needs the date from which it succeeds',
        'test_card.succeeds_from',
      );
    }
    return ok({
      gateway: 'test',
      gateway_token: tokenizeTestCard(card, input.testCard.succeedsFrom ?? null),
      brand: card.brand,
      network: card.brand,
      fingerprint: testFingerprint(customerId, card),
      last4: card.number.slice(-4),
      exp_month: input.testCard.expMonth ?? 12,
      exp_year: input.testCard.expYear ?? 2030,
    });
  }
  if (typeof input.gatewayToken === 'string' && input.gatewayToken.length > 0) {
    return ok({
      gateway: isStripeToken(input.gatewayToken) ? 'stripe' : 'test',
      gateway_token: input.gatewayToken,
      brand: null,
      network: null,
      fingerprint: `fp_${input.gatewayToken}`,
      last4: null,
      exp_month: null,
      exp_year: null,
    });
  }
  return fail('invalid_field', 'give a test card or a gateway token', 'test_card');
}

export async function addPaymentMethod(
  deps: Pick<Deps, 'db'>,
  input: AddPaymentMethodInput,
): Promise<Result<{ paymentMethodId: string }>> {
  if (!PAYMENT_METHOD_TYPES.includes(input.type))
    return fail('invalid_field', `type must be one of ${PAYMENT_METHOD_TYPES.join(', ')}`, 'type');
  return storePaymentMethod(deps, input, () => methodDetails(input.type, input, input.customerId));
}

/** Live subscriptions are charged by real gateways only: the test gateway's "payments" are not money. */
export async function liveRefusesTestGateway(
  db: Db,
  merchantId: string,
  details: Pick<MethodDetails, 'gateway'>,
  given: { testField?: string },
): Promise<Result<never> | null> {
  if (details.gateway !== 'test' || (await getMerchantMode(db, merchantId)) !== 'live') return null;
  return fail(
    'invalid_field',
    'a live merchant takes payment methods from a real gateway only: test cards and tok_test_ tokens are for test mode (use a dk_test_ key)',
    given.testField ?? 'test_card',
  );
}

/**
 * Stores a method for one of the merchant's customers. An unknown customer is reported first;
 * `detailsOf` is asked only once the customer is found.
 */
export async function storePaymentMethod(
  deps: Pick<Deps, 'db'>,
  owner: { merchantId: string; customerId: string; type: PaymentMethodType; testField?: string },
  detailsOf: () => Result<MethodDetails>,
): Promise<Result<{ paymentMethodId: string }>> {
  if (!(await customerExists(deps.db, owner.merchantId, owner.customerId)))
    return fail('not_found', `no customer ${owner.customerId}`, 'customer_id');
  const details = detailsOf();
  if (!details.ok) return details;
  const live = await liveRefusesTestGateway(deps.db, owner.merchantId, details.value, owner);
  if (live) return live;
  const paymentMethodId = newId('pm');
  await insertPaymentMethod(deps.db, {
    merchant_id: owner.merchantId,
    payment_method_id: paymentMethodId,
    customer_id: owner.customerId,
    type: owner.type,
    changed_at: null,
    ...details.value,
  });
  return ok({ paymentMethodId });
}
