// Tells Dunner which of its subscriptions a Stripe subscription is, for merchants who do not set
// `dunner_subscription_id` metadata in Stripe. Events that arrived before the link are applied now.
import type Stripe from 'stripe';
import type { Deps } from '../deps.ts';
import { fail, ok, type Result } from '../result.ts';
import { linkedSubscription, rememberLink, subscriptionExists } from './context.ts';
import { replayWaitingEvents, type StripeEventOutcome } from './receive-stripe-event.ts';

const STRIPE_SUBSCRIPTION_ID = /^sub_[A-Za-z0-9]{1,250}$/;

export async function linkStripeSubscription(
  deps: Deps,
  input: {
    merchantId: string;
    subscriptionId: string;
    stripeSubscriptionId: string;
    /** The merchant's Stripe client: waiting invoice events read their decline from Stripe. */
    stripe: Stripe | null;
  },
): Promise<Result<{ replayed: StripeEventOutcome[] }>> {
  if (!STRIPE_SUBSCRIPTION_ID.test(input.stripeSubscriptionId))
    return fail(
      'invalid_field',
      'stripe_subscription_id must be a Stripe subscription id (sub_…)',
      'stripe_subscription_id',
    );
  if (!(await subscriptionExists(deps.db, input.merchantId, input.subscriptionId)))
    return fail('not_found', `no subscription ${input.subscriptionId}`, 'subscription_id');
  await rememberLink(deps.db, input.merchantId, input.stripeSubscriptionId, input.subscriptionId);
  const linked = await linkedSubscription(deps.db, input.merchantId, input.stripeSubscriptionId);
  if (linked !== input.subscriptionId)
    return fail(
      'invalid_state',
      `${input.stripeSubscriptionId} is already linked to subscription ${linked}`,
      'stripe_subscription_id',
    );
  const replayed = await replayWaitingEvents(deps, {
    merchantId: input.merchantId,
    waitingFor: input.stripeSubscriptionId,
    stripe: input.stripe,
  });
  return ok({ replayed });
}
