// What a route, a dispatcher or the worker needs from the outside world.
import type { StripeAccounts } from '../adapters/gateways/stripe/accounts.ts';
import type { Config } from './config.ts';
import type { Deps } from './deps.ts';

export type AppConfig = Pick<
  Config,
  | 'publicUrl'
  | 'smtpUrl'
  | 'stripeSecretKey'
  | 'stripeWebhookSecret'
  | 'stripePublishableKey'
  | 'stripeMerchantId'
  | 'allowLoopbackUrls'
>;

/** Everything a route or a dispatcher needs from the outside world. */
export type Services = Deps & {
  readonly config: AppConfig;
  /** Each merchant's Stripe keys and clients; by default stripe_accounts, then `config`'s keys. */
  readonly stripeAccounts?: StripeAccounts;
};
