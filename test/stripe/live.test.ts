// Charges through Stripe's real test-mode API with Stripe's test payment methods. CI has no Stripe
// key, so this runs only when STRIPE_TEST_KEY (a test-mode secret key, sk_test_…) is set.
import { randomUUID } from 'node:crypto';
import type Stripe from 'stripe';
import { beforeAll, describe, expect, it } from 'vitest';
import type { PaymentGateway } from '../../src/adapters/gateways/port.ts';
import { createStripeClient } from '../../src/adapters/gateways/stripe/client.ts';
import { createStripeGateway } from '../../src/adapters/gateways/stripe/stripe-gateway.ts';
import { stripeToken } from '../../src/adapters/gateways/stripe/token.ts';
import { classifyDecline } from '../../src/domain/declines/classify.ts';

const key = process.env.STRIPE_TEST_KEY?.trim() ?? '';
if (!key)
  console.log('NOT RUN: Stripe live tests need STRIPE_TEST_KEY (a Stripe test-mode secret key)');
if (key && !key.startsWith('sk_test_') && !key.startsWith('rk_test_'))
  throw new Error('STRIPE_TEST_KEY must be a test-mode key (sk_test_… or rk_test_…)');

describe.skipIf(!key)('Stripe live test-mode API (needs STRIPE_TEST_KEY)', () => {
  // Built only when the tests run: the SDK refuses an empty key at construction.
  let stripe: Stripe;
  let gateway: PaymentGateway;
  beforeAll(() => {
    stripe = createStripeClient(key, { maxNetworkRetries: 2 });
    gateway = createStripeGateway({ stripe });
  });

  /** A Stripe customer holding one of Stripe's test payment methods, as Dunner's token. */
  async function tokenFor(testMethod: string): Promise<string> {
    const customer = await stripe.customers.create({ description: 'Dunner live test' });
    const method = await stripe.paymentMethods.attach(testMethod, { customer: customer.id });
    return stripeToken({ customer: customer.id, paymentMethod: method.id });
  }

  const charge = (token: string, idempotencyKey = `att_live_${randomUUID()}`) =>
    gateway.charge({
      merchantId: 'mer_live_test',
      idempotencyKey,
      token,
      amountMinor: 1234,
      currency: 'USD',
      at: new Date(),
    });

  it('charges a card off-session, and a re-sent key answers the same PaymentIntent', async () => {
    const token = await tokenFor('pm_card_visa');
    const idempotencyKey = `att_live_${randomUUID()}`;
    const first = await charge(token, idempotencyKey);
    expect(first.kind).toBe('succeeded');
    const again = await charge(token, idempotencyKey);
    expect(again).toEqual(first);
  });

  it.each([
    ['pm_card_chargeDeclinedInsufficientFunds', 'insufficient_funds', 'insufficient_funds'],
    ['pm_card_chargeDeclinedExpiredCard', 'expired_card', 'update_method'],
    ['pm_card_authenticationRequired', 'authentication_required', 'authentication_required'],
  ])('%s is declined with %s, classified %s', async (testMethod, code, category) => {
    const result = await charge(await tokenFor(testMethod));
    expect(result.kind).toBe('declined');
    if (result.kind !== 'declined') return;
    expect(result.raw.code).toBe(code);
    expect(classifyDecline(result.raw).category).toBe(category);
  });
});
