import { describe, expect, it } from 'vitest';
import { isStripeToken, parseStripeToken, stripeToken } from './token.ts';

describe('Stripe tokens', () => {
  it('carry the customer and the payment method, and read back', () => {
    const token = stripeToken({ customer: 'cus_TCx4hN2oVbE7Lq', paymentMethod: 'pm_1SGkV2Lk' });
    expect(token).toBe('stripe:cus_TCx4hN2oVbE7Lq:pm_1SGkV2Lk');
    expect(parseStripeToken(token)).toEqual({
      customer: 'cus_TCx4hN2oVbE7Lq',
      paymentMethod: 'pm_1SGkV2Lk',
    });
    expect(isStripeToken(token)).toBe(true);
  });

  it.each([
    'tok_test_4242424242424242',
    'stripe:pm_1SGkV2Lk',
    'stripe:cus_1:',
    'stripe:cus_1:pm_1:extra',
    'stripe:acct_1:pm_1',
  ])('%s is not a Stripe customer and method', (token) => {
    expect(parseStripeToken(token)).toBeNull();
  });

  it('refuses to build a token from ids that are not Stripe ids', () => {
    expect(() => stripeToken({ customer: 'ada', paymentMethod: 'pm_1' })).toThrow(RangeError);
  });
});
