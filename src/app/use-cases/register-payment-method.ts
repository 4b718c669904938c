// Adds a payment method from the API, in one of three forms:
// - a test-gateway card, by its name (`insufficient_funds`) or number (docs/test-cards.md); an ACH
//   or direct-debit method on the test gateway takes a test number too and behaves as that number;
// - a real gateway's token (Stripe: `stripe:cus_…:pm_…`), with the display details the merchant has;
// - a pay link (a method the engine cannot pull from: only messages with a pay link apply).
import { parseStripeToken } from '../../adapters/gateways/stripe/token.ts';
import {
  findTestCard,
  parseTestToken,
  TEST_CARDS,
  type TestCard,
  testFingerprint,
  tokenizeTestCard,
} from '../../adapters/gateways/test-gateway/cards.ts';
import { PAYMENT_METHOD_TYPES, type PaymentMethodType } from '../../domain/strategy/strategy.ts';
import type { Deps } from '../deps.ts';
import { fail, ok, type Result } from '../result.ts';
import { addPaymentMethod, type MethodDetails, storePaymentMethod } from './add-payment-method.ts';

export const METHOD_GATEWAYS = ['test', 'stripe'] as const;
export type MethodGateway = (typeof METHOD_GATEWAYS)[number];

export type RegisterPaymentMethodInput = {
  merchantId: string;
  customerId: string;
  type: PaymentMethodType;
  /** A test card's name (`insufficient_funds`) or number. */
  testCard?: string;
  /** For the card that succeeds only from a date. */
  succeedsFrom?: Date;
  gateway?: MethodGateway;
  token?: string;
  brand?: string;
  last4?: string;
  expMonth?: number;
  expYear?: number;
};

export function resolveTestCard(nameOrNumber: string): TestCard | undefined {
  // Own names only: `constructor` is not a test card.
  if (Object.hasOwn(TEST_CARDS, nameOrNumber))
    return (TEST_CARDS as Record<string, TestCard>)[nameOrNumber];
  return findTestCard(nameOrNumber);
}

export async function registerPaymentMethod(
  deps: Pick<Deps, 'db'>,
  input: RegisterPaymentMethodInput,
): Promise<Result<{ paymentMethodId: string }>> {
  if (!PAYMENT_METHOD_TYPES.includes(input.type))
    return fail('invalid_field', `type must be one of ${PAYMENT_METHOD_TYPES.join(', ')}`, 'type');
  const { merchantId, customerId, type } = input;
  const given = [input.testCard !== undefined, input.token !== undefined].filter(Boolean).length;
  if (type === 'pay_link') {
    if (given > 0)
      return fail(
        'invalid_field',
        'a pay_link method takes no card or token',
        input.token ? 'token' : 'test_card',
      );
    return addPaymentMethod(deps, { merchantId, customerId, type });
  }
  if (given !== 1)
    return fail('invalid_field', 'give either test_card or gateway and token', 'test_card');
  if (
    input.expMonth !== undefined &&
    (!Number.isInteger(input.expMonth) || input.expMonth < 1 || input.expMonth > 12)
  )
    return fail('invalid_field', 'exp_month must be 1 to 12', 'exp_month');
  if (
    input.expYear !== undefined &&
    (!Number.isInteger(input.expYear) || input.expYear < 2000 || input.expYear > 2100)
  )
    return fail('invalid_field', 'exp_year must be a four-digit year', 'exp_year');

  if (input.testCard !== undefined) {
    if (input.gateway !== undefined && input.gateway !== 'test')
      return fail('invalid_field', 'test cards belong to the test gateway', 'gateway');
    const card = resolveTestCard(input.testCard);
    if (!card)
      return fail(
        'invalid_field',
        `not a test card: give a name such as ${Object.keys(TEST_CARDS).slice(0, 3).join(', ')} or a test number (docs/test-cards.md)`,
        'test_card',
      );
    if (card.behaviour.kind === 'decline_until' && !input.succeedsFrom)
      return fail(
        'invalid_field',
        'this test card needs succeeds_from: the date from which it succeeds',
        'succeeds_from',
      );
    if (type === 'card')
      return addPaymentMethod(deps, {
        merchantId,
        customerId,
        type,
        testCard: {
          number: card.number,
          ...(input.expMonth !== undefined ? { expMonth: input.expMonth } : {}),
          ...(input.expYear !== undefined ? { expYear: input.expYear } : {}),
          ...(input.succeedsFrom ? { succeedsFrom: input.succeedsFrom } : {}),
        },
      });
    // A test bank account: the test number decides the outcome; no brand or expiry.
    return insertMethod(deps, input, {
      gateway: 'test',
      gateway_token: tokenizeTestCard(card, input.succeedsFrom ?? null),
      brand: null,
      network: null,
      fingerprint: testFingerprint(customerId, card),
      last4: card.number.slice(-4),
      exp_month: null,
      exp_year: null,
    });
  }

  const token = input.token!;
  const gateway = input.gateway ?? 'test';
  if (gateway === 'stripe') {
    const parsed = parseStripeToken(token);
    if (!parsed)
      return fail(
        'invalid_field',
        'a Stripe token is stripe:<customer id>:<payment method id>',
        'token',
      );
    return insertMethod(deps, input, {
      gateway: 'stripe',
      gateway_token: token,
      brand: input.brand ?? null,
      network: networkOfBrand(input.brand),
      fingerprint: `fp_stripe_${parsed.paymentMethod}`,
      last4: input.last4 ?? null,
      exp_month: input.expMonth ?? null,
      exp_year: input.expYear ?? null,
    });
  }
  const test = parseTestToken(token);
  const card = test?.card;
  if (!test || !card)
    return fail(
      'invalid_field',
      'a test-gateway token looks like tok_test_4242424242424242',
      'token',
    );
  return insertMethod(deps, input, {
    gateway: 'test',
    // Stored as a fresh token of the same card: a token given in the older form holds the number.
    gateway_token: tokenizeTestCard(card, test.succeedsFrom),
    brand: type === 'card' ? card.brand : null,
    network: type === 'card' ? card.brand : null,
    fingerprint: testFingerprint(customerId, card),
    last4: card.number.slice(-4),
    exp_month: type === 'card' ? (input.expMonth ?? 12) : null,
    exp_year: type === 'card' ? (input.expYear ?? 2030) : null,
  });
}

function networkOfBrand(brand: string | undefined): string | null {
  const b = brand?.toLowerCase();
  return b === 'visa' || b === 'mastercard' ? b : null;
}

function insertMethod(
  deps: Pick<Deps, 'db'>,
  input: RegisterPaymentMethodInput,
  details: MethodDetails,
): Promise<Result<{ paymentMethodId: string }>> {
  const testField = input.testCard !== undefined ? 'test_card' : 'token';
  return storePaymentMethod(deps, { ...input, testField }, () => ok(details));
}
