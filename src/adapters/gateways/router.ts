// Sends each charge to the gateway that issued its token. Stripe tokens carry a `stripe:` prefix
// (stripe/token.ts); every other token belongs to the built-in test gateway (tok_test_…).
import type { Db } from '../db/connect.ts';
import type { ChargeRequest, ChargeResult, PaymentGateway } from './port.ts';
import { rateLimited } from './rate-limit.ts';
import { createStripeAccounts, type StripeEnvSettings } from './stripe/accounts.ts';
import { createStripeGateway } from './stripe/stripe-gateway.ts';
import { isStripeToken } from './stripe/token.ts';
import { createTestGateway } from './test-gateway/test-gateway.ts';

export type GatewayRouterOptions = {
  readonly test: PaymentGateway;
  readonly stripe?: PaymentGateway;
};

export function createGatewayRouter(options: GatewayRouterOptions): PaymentGateway {
  return {
    name: 'router',
    async charge(req: ChargeRequest): Promise<ChargeResult> {
      if (!isStripeToken(req.token)) return options.test.charge(req);
      if (options.stripe) return options.stripe.charge(req);
      // Nothing was sent: a later re-send can go through once Stripe is configured.
      return { kind: 'unknown', message: 'a Stripe payment method, but Stripe is not configured' };
    },
  };
}

/** Stripe's live-mode limit per account (https://docs.stripe.com/rate-limits). */
export const STRIPE_RATE_PER_SECOND = 100;

/**
 * What `dunner serve` charges through: the test gateway, and Stripe with each merchant's keys,
 * each merchant's account held under Stripe's rate limit.
 */
export function createDefaultGateway(db: Db, stripe: StripeEnvSettings | null): PaymentGateway {
  return createGatewayRouter({
    test: createTestGateway(db),
    stripe: rateLimited(
      createStripeGateway({ stripe: createStripeAccounts(db, { env: stripe }).clientFor }),
      { ratePerSecond: STRIPE_RATE_PER_SECOND },
    ),
  });
}
