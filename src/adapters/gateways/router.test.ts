import { describe, expect, it } from 'vitest';
import type { ChargeRequest, PaymentGateway } from './port.ts';
import { createGatewayRouter } from './router.ts';

function recorder(name: string) {
  const tokens: string[] = [];
  const gateway: PaymentGateway = {
    name,
    async charge(req) {
      tokens.push(req.token);
      return { kind: 'succeeded', gatewayChargeId: `${name}_1` };
    },
  };
  return { gateway, tokens };
}

const charge = (token: string): ChargeRequest => ({
  merchantId: 'mer_1',
  idempotencyKey: 'att_1',
  token,
  amountMinor: 100,
  currency: 'USD',
  at: new Date('2026-01-01T00:00:00Z'),
});

describe('gateway router', () => {
  it('sends Stripe tokens to Stripe and every other token to the test gateway', async () => {
    const test = recorder('test');
    const stripe = recorder('stripe');
    const router = createGatewayRouter({ test: test.gateway, stripe: stripe.gateway });
    await router.charge(charge('tok_test_4242424242424242'));
    await router.charge(charge('stripe:cus_1:pm_1'));
    expect(test.tokens).toEqual(['tok_test_4242424242424242']);
    expect(stripe.tokens).toEqual(['stripe:cus_1:pm_1']);
  });

  it('answers unknown for a Stripe token when Stripe is not configured, sending nothing', async () => {
    const test = recorder('test');
    const router = createGatewayRouter({ test: test.gateway });
    const result = await router.charge(charge('stripe:cus_1:pm_1'));
    expect(result.kind).toBe('unknown');
    expect(test.tokens).toEqual([]);
  });
});
