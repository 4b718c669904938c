// What each Stripe event handler receives, and the Dunner subscriptions Stripe objects map to.
import type Stripe from 'stripe';
import type { Db } from '../../adapters/db/connect.ts';
import { findLinkedSubscriptionId, insertSubscriptionLink } from '../../adapters/db/stripe.repo.ts';
import type { Deps } from '../deps.ts';

export type EventContext<T> = {
  readonly deps: Deps;
  /** The merchant's Stripe client, for the details an event does not carry. */
  readonly stripe: Stripe | null;
  readonly merchantId: string;
  readonly event: Stripe.Event;
  readonly object: T;
  /** An earlier delivery claimed this event and did not finish: re-apply even what looks done. */
  readonly reclaimed: boolean;
};

/** The metadata key a merchant sets on Stripe objects to name the Dunner subscription. */
export const SUBSCRIPTION_METADATA_KEY = 'dunner_subscription_id';

export class StripeNotConfiguredError extends Error {
  override name = 'StripeNotConfiguredError';
}

export function requireStripe(ctx: EventContext<unknown>): Stripe {
  if (!ctx.stripe)
    throw new StripeNotConfiguredError(
      `merchant ${ctx.merchantId} has a webhook secret but no Stripe secret key: ${ctx.event.type} needs one to read the details`,
    );
  return ctx.stripe;
}

/** The id of an expandable Stripe field, whether it came as an id or as the object. */
export function idOf(value: string | { id: string } | null | undefined): string | null {
  if (!value) return null;
  return typeof value === 'string' ? value : value.id;
}

export async function linkedSubscription(
  db: Db,
  merchantId: string,
  stripeSubscriptionId: string,
): Promise<string | null> {
  return findLinkedSubscriptionId(db, merchantId, stripeSubscriptionId);
}

/** Remembers which Dunner subscription a Stripe subscription is; the first link stands. */
export async function rememberLink(
  db: Db,
  merchantId: string,
  stripeSubscriptionId: string,
  subscriptionId: string,
): Promise<void> {
  await insertSubscriptionLink(db, {
    merchant_id: merchantId,
    stripe_subscription_id: stripeSubscriptionId,
    subscription_id: subscriptionId,
  });
}

export { subscriptionExists } from '../../adapters/db/subscriptions.repo.ts';
