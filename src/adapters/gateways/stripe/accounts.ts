// Each merchant's Stripe keys: its row in stripe_accounts, else the STRIPE_SECRET_KEY /
// STRIPE_WEBHOOK_SECRET / STRIPE_PUBLISHABLE_KEY of a single-merchant set-up. Read on each use so a rotated key applies
// at once; clients are kept per secret key.
import type Stripe from 'stripe';
import type { Db } from '../../db/connect.ts';
import { findStripeAccount } from '../../db/stripe.repo.ts';
import { createStripeClient, type StripeClientOptions } from './client.ts';
import type { StripeClientFor } from './stripe-gateway.ts';

export type StripeSettings = {
  /** sk_… or rk_… (a restricted key needs PaymentIntents write and Invoices, PaymentMethods read). */
  readonly secretKey: string | null;
  /** whsec_…: the signing secret of the merchant's webhook endpoint in Stripe. */
  readonly webhookSecret: string | null;
  /** pk_…: Stripe.js on the hosted update page takes new cards with it. */
  readonly publishableKey: string | null;
};

/** The environment's keys; with a merchant id they apply to that merchant only. */
export type StripeEnvSettings = Omit<StripeSettings, 'publishableKey'> & {
  readonly publishableKey?: string | null;
  readonly merchantId?: string | null;
};

export type StripeAccounts = {
  settingsFor(merchantId: string): Promise<StripeSettings | null>;
  clientFor: StripeClientFor;
};

export function createStripeAccounts(
  db: Db,
  options: { env?: StripeEnvSettings | null; client?: StripeClientOptions } = {},
): StripeAccounts {
  const clients = new Map<string, Stripe>();
  const settingsFor = async (merchantId: string): Promise<StripeSettings | null> => {
    const row = await findStripeAccount(db, merchantId);
    // A merchant's own keys come as a set: never its secret key with another account's pk_.
    if (row)
      return {
        secretKey: row.secret_key,
        webhookSecret: row.webhook_secret,
        publishableKey: row.publishable_key,
      };
    const env = options.env;
    if (!env || (!env.secretKey && !env.webhookSecret)) return null;
    if (env.merchantId && env.merchantId !== merchantId) return null;
    return {
      secretKey: env.secretKey,
      webhookSecret: env.webhookSecret,
      publishableKey: env.publishableKey ?? null,
    };
  };
  return {
    settingsFor,
    async clientFor(merchantId) {
      const settings = await settingsFor(merchantId);
      if (!settings?.secretKey) return null;
      let client = clients.get(settings.secretKey);
      if (!client) {
        client = createStripeClient(settings.secretKey, options.client);
        clients.set(settings.secretKey, client);
      }
      return client;
    },
  };
}
