// The Stripe gateway against recorded Stripe answers, through the real SDK and a local server.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  loadRecording,
  type StripeServer,
  startStripeServer,
} from '../../../../test/stripe/fixture-server.ts';
import { classifyDecline } from '../../../domain/declines/classify.ts';
import type { ChargeRequest } from '../port.ts';
import { RateLimitedError, rateLimited } from '../rate-limit.ts';
import { createStripeClient, STRIPE_API_VERSION } from './client.ts';
import { createStripeGateway } from './stripe-gateway.ts';
import { stripeToken } from './token.ts';

const CUSTOMER = 'cus_TCx4hN2oVbE7Lq';
const METHOD = 'pm_1SGkV9LkdIwHu7ixRt2pW6Ka';

let server: StripeServer;
beforeAll(async () => {
  server = await startStripeServer();
});
afterAll(() => server.close());
beforeEach(() => {
  server.requests.length = 0;
  server.created.length = 0;
});

let keys = 0;
function request(overrides: Partial<ChargeRequest> = {}): ChargeRequest {
  keys += 1;
  return {
    merchantId: 'mer_stripe',
    idempotencyKey: `att_stripe_test_${keys}`,
    token: stripeToken({ customer: CUSTOMER, paymentMethod: METHOD }),
    amountMinor: 2000,
    currency: 'USD',
    at: new Date('2026-11-02T09:00:00Z'),
    ...overrides,
  };
}

function gateway(timeoutMs?: number) {
  return createStripeGateway({
    stripe: createStripeClient('sk_test_fixture000000', {
      ...server.clientOptions,
      ...(timeoutMs ? { timeoutMs } : {}),
    }),
  });
}

describe('Stripe gateway: charges', () => {
  it('creates one confirmed off-session PaymentIntent with our idempotency key and reports it succeeded', async () => {
    server.answer('payment_intent.succeeded');
    const req = request();
    const result = await gateway().charge(req);

    expect(result).toEqual({ kind: 'succeeded', gatewayChargeId: 'pi_3SGl1aLkdIwHu7ix0h9KpQ2s' });
    expect(server.requests).toHaveLength(1);
    const sent = server.requests[0]!;
    expect(sent.method).toBe('POST');
    expect(sent.path).toBe('/v1/payment_intents');
    expect(sent.headers['idempotency-key']).toBe(req.idempotencyKey);
    expect(sent.headers['stripe-version']).toBe(STRIPE_API_VERSION);
    expect(sent.headers.authorization).toBe('Bearer sk_test_fixture000000');
    expect(Object.fromEntries(sent.form)).toMatchObject({
      amount: '2000',
      currency: 'usd',
      customer: CUSTOMER,
      payment_method: METHOD,
      confirm: 'true',
      off_session: 'true',
      'automatic_payment_methods[enabled]': 'true',
      'automatic_payment_methods[allow_redirects]': 'never',
      'metadata[dunner_idempotency_key]': req.idempotencyKey,
    });
  });

  it('charges on-session when the customer has just authenticated on the page', async () => {
    server.answer('payment_intent.succeeded');
    await gateway().charge(request({ authenticated: true }));
    expect(server.requests[0]?.form.get('off_session')).toBe('false');
  });

  it('passes an amount in a zero-decimal currency as is, with the currency lower-cased', async () => {
    server.answer('payment_intent.succeeded');
    await gateway().charge(request({ amountMinor: 1500, currency: 'JPY' }));
    expect(server.requests[0]?.form.get('amount')).toBe('1500');
    expect(server.requests[0]?.form.get('currency')).toBe('jpy');
  });

  it('re-sending the same key after a lost answer gets the first answer: the card is charged once', async () => {
    server.loseAnswers('payment_intent.succeeded');
    const req = request();
    const lost = await gateway(50).charge(req);
    expect(lost.kind).toBe('unknown');

    server.answer('payment_intent.card_declined.insufficient_funds');
    const again = await gateway().charge(req);
    expect(server.requests.map((r) => r.headers['idempotency-key'])).toEqual([
      req.idempotencyKey,
      req.idempotencyKey,
    ]);
    expect(again).toEqual({ kind: 'succeeded', gatewayChargeId: 'pi_3SGl1aLkdIwHu7ix0h9KpQ2s' });
    expect(server.created).toHaveLength(1);
  });
});

describe('Stripe gateway: declines pass Stripe codes through for the classifier', () => {
  it('insufficient funds on a Mastercard: decline code, network code and both advice codes', async () => {
    server.answer('payment_intent.card_declined.insufficient_funds');
    const result = await gateway().charge(request());
    expect(result.kind).toBe('declined');
    if (result.kind !== 'declined') return;
    expect(result.raw).toEqual({
      scheme: 'stripe',
      code: 'insufficient_funds',
      networkDeclineCode: '51',
      networkAdviceCode: '24',
      adviceCode: 'try_again_later',
      network: 'mastercard',
    });
    expect(result.message).toBe('Your card has insufficient funds.');
    const classified = classifyDecline(result.raw);
    expect(classified.category).toBe('insufficient_funds');
    expect(classified.advice).toMatchObject({ kind: 'retry_after' });
  });

  it('an expired card asks for a new method', async () => {
    server.answer('payment_intent.card_declined.expired_card');
    const result = await gateway().charge(request());
    expect(result).toMatchObject({
      kind: 'declined',
      raw: {
        scheme: 'stripe',
        code: 'expired_card',
        networkDeclineCode: '54',
        adviceCode: 'confirm_card_data',
        network: 'visa',
      },
    });
    if (result.kind === 'declined')
      expect(classifyDecline(result.raw).category).toBe('update_method');
  });

  it('authentication required off-session is a decline the customer must authenticate', async () => {
    server.answer('payment_intent.card_declined.authentication_required');
    const result = await gateway().charge(request());
    expect(result).toMatchObject({
      kind: 'declined',
      raw: { scheme: 'stripe', code: 'authentication_required', networkDeclineCode: '1A' },
    });
    if (result.kind === 'declined')
      expect(classifyDecline(result.raw).category).toBe('authentication_required');
  });

  it('an intent left in requires_action is reported as authentication_required', async () => {
    server.answer('payment_intent.requires_action');
    const result = await gateway().charge(request());
    expect(result).toMatchObject({
      kind: 'declined',
      raw: { scheme: 'stripe', code: 'authentication_required' },
    });
  });

  it('a payment method Stripe no longer has is declined with its raw code', async () => {
    server.answer('error.resource_missing.400');
    const result = await gateway().charge(request());
    expect(result).toMatchObject({
      kind: 'declined',
      raw: { scheme: 'stripe', code: 'resource_missing' },
    });
  });
});

describe('Stripe gateway: no answer means unknown, to be re-sent with the same key', () => {
  it.each([
    ['a 500 api_error', 'error.api_error.500'],
    ['a key reused with other parameters', 'error.idempotency_error.400'],
  ])('%s', async (_label, fixture) => {
    server.answer(fixture);
    const result = await gateway().charge(request());
    expect(result.kind).toBe('unknown');
  });

  it('a timeout', async () => {
    server.hang('POST', '/v1/payment_intents');
    const result = await gateway(50).charge(request());
    expect(result).toMatchObject({ kind: 'unknown' });
    if (result.kind === 'unknown') expect(result.message).toMatch(/timeout/i);
  });

  it('a merchant without a Stripe account: nothing is sent', async () => {
    const none = createStripeGateway({ stripe: async () => null });
    const result = await none.charge(request());
    expect(result.kind).toBe('unknown');
    expect(server.requests).toHaveLength(0);
  });

  it('a token that is not a Stripe method is declined without a request', async () => {
    const result = await gateway().charge(request({ token: 'stripe:pm_only' }));
    expect(result).toMatchObject({ kind: 'declined', raw: { code: 'invalid_account' } });
    expect(server.requests).toHaveLength(0);
  });
});

describe('Stripe gateway: a 429 is a rate limit, never a decline', () => {
  // The bucket's waits are recorded, not slept.
  const limited = (sleeps: number[], maxResends?: number) =>
    rateLimited(gateway(), {
      ratePerSecond: 100,
      ...(maxResends !== undefined ? { maxResends } : {}),
      nowMs: () => 0,
      sleep: async (ms) => {
        sleeps.push(ms);
      },
    });

  it('the adapter reports a 429 as RateLimitedError, for the rate limiter to wait on', async () => {
    server.answer('error.rate_limit.429');
    await expect(gateway().charge(request())).rejects.toBeInstanceOf(RateLimitedError);
  });

  it('behind the rate limiter a 429 is re-sent once with the same key and then succeeds: one charge', async () => {
    server.answer('payment_intent.succeeded');
    server.answerOnce('error.rate_limit.429');
    const sleeps: number[] = [];
    const req = request();
    const result = await limited(sleeps).charge(req);

    expect(result).toEqual({ kind: 'succeeded', gatewayChargeId: 'pi_3SGl1aLkdIwHu7ix0h9KpQ2s' });
    expect(server.requests.map((r) => r.headers['idempotency-key'])).toEqual([
      req.idempotencyKey,
      req.idempotencyKey,
    ]);
    expect(server.created).toHaveLength(1);
    expect(sleeps).toHaveLength(1);
  });

  it('still rate limited after the bounded re-sends: unknown, nothing charged', async () => {
    server.answer('error.rate_limit.429');
    const sleeps: number[] = [];
    const result = await limited(sleeps, 2).charge(request());
    expect(result.kind).toBe('unknown');
    expect(server.requests).toHaveLength(3);
    expect(server.created).toHaveLength(0);
  });
});

describe('fixtures', () => {
  it.each([
    'payment_intent.succeeded',
    'payment_intent.card_declined.insufficient_funds',
    'payment_intent.card_declined.expired_card',
    'payment_intent.card_declined.authentication_required',
    'payment_intent.requires_action',
    'error.api_error.500',
    'error.rate_limit.429',
    'error.resource_missing.400',
    'error.idempotency_error.400',
    'invoice_payments.list.payment_failed',
    'payment_method.retrieve.new_card',
  ])('%s is pinned to the API version the client sends', (name) => {
    const recording = loadRecording(name);
    expect(recording.api_version).toBe(STRIPE_API_VERSION);
    expect(recording.response.headers['stripe-version']).toBe(STRIPE_API_VERSION);
  });
});
