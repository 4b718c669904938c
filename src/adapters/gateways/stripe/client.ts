// One place builds Stripe clients, pinned to the API version our fixtures were recorded with: an
// SDK upgrade that moves the version fails the typecheck here until the fixtures are re-recorded.
import Stripe from 'stripe';

export const STRIPE_API_VERSION = '2026-10-28.endive' satisfies Stripe.LatestApiVersion;

export type StripeClientOptions = {
  /** Where the SDK sends requests; tests point it at a local recording server. */
  readonly host?: string;
  readonly port?: number;
  readonly protocol?: 'http' | 'https';
  /** The SDK's own re-sends of a failed request (same idempotency key); the engine re-sends too. */
  readonly maxNetworkRetries?: number;
  readonly timeoutMs?: number;
};

export function createStripeClient(secretKey: string, options: StripeClientOptions = {}): Stripe {
  return new Stripe(secretKey, {
    apiVersion: STRIPE_API_VERSION,
    maxNetworkRetries: options.maxNetworkRetries ?? 1,
    timeout: options.timeoutMs ?? 30_000,
    telemetry: false,
    appInfo: { name: 'Dunner' },
    ...(options.host ? { host: options.host } : {}),
    ...(options.port ? { port: options.port } : {}),
    ...(options.protocol ? { protocol: options.protocol } : {}),
  });
}
