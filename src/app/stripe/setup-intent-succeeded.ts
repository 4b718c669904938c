// `setup_intent.succeeded`: the customer saved a new payment method with Stripe (e.g. on the
// hosted page, through Stripe's own fields). It becomes the payment method of the subscription
// and, through replaceSubscriptionPaymentMethod, the open case is retried with it at once.

import type Stripe from 'stripe';
import {
  listLiveSubscriptionById,
  listLiveSubscriptionsOfStripeCustomer,
} from '../../adapters/db/stripe.repo.ts';
import { replaceSubscriptionPaymentMethod } from '../use-cases/update-payment-method.ts';
import { type EventContext, idOf, requireStripe, SUBSCRIPTION_METADATA_KEY } from './context.ts';
import { type Finish, objectKeys, supersededBy } from './event-log.ts';
import { ensureStripeMethod } from './stripe-methods.ts';

export async function applySetupIntentSucceeded(
  ctx: EventContext<Stripe.SetupIntent>,
): Promise<Finish> {
  const { deps, merchantId, object: intent } = ctx;
  const stripeCustomer = idOf(intent.customer);
  const methodId = idOf(intent.payment_method);
  if (!stripeCustomer || !methodId)
    return {
      status: 'skipped',
      why: `${intent.id} saved no method to a customer: nothing Dunner can charge off-session`,
    };

  const named = intent.metadata?.[SUBSCRIPTION_METADATA_KEY];
  const targets = await targetSubscriptions(ctx, stripeCustomer, named);
  if (named && targets.length === 0)
    return {
      status: 'skipped',
      why: `metadata ${SUBSCRIPTION_METADATA_KEY} names ${named}, which is no active subscription of this merchant`,
    };
  if (targets.length === 0)
    return {
      status: 'waiting',
      waitingFor: stripeCustomer,
      why: `no Dunner subscription is named in metadata ${SUBSCRIPTION_METADATA_KEY} or billed to Stripe customer ${stripeCustomer}`,
    };

  const method =
    typeof intent.payment_method === 'object' && intent.payment_method !== null
      ? intent.payment_method
      : await requireStripe(ctx).paymentMethods.retrieve(methodId);
  const done: string[] = [];
  const skipped: string[] = [];
  const stamp: string[] = [];
  for (const sub of targets) {
    const key = objectKeys.subscriptionMethod(sub.subscription_id);
    const newer = await supersededBy(deps.db, merchantId, [key], ctx.event);
    if (newer) {
      skipped.push(`${sub.subscription_id} (a newer event, ${newer.eventId}, chose its method)`);
      continue;
    }
    const paymentMethodId = await ensureStripeMethod(deps.db, {
      merchantId,
      customerId: sub.customer_id,
      stripeCustomer,
      method,
    });
    stamp.push(key);
    if (sub.payment_method_id === paymentMethodId && !ctx.reclaimed) {
      skipped.push(`${sub.subscription_id} (already billed to it)`);
      continue;
    }
    const result = await replaceSubscriptionPaymentMethod(deps, {
      merchantId,
      subscriptionId: sub.subscription_id,
      paymentMethodId,
    });
    if (!result.ok) {
      skipped.push(`${sub.subscription_id} (${result.error.message})`);
      continue;
    }
    done.push(
      `${sub.subscription_id} now billed to ${paymentMethodId}${result.value.caseRetried ? ', its open case retried now' : ''}`,
    );
  }
  const why = [...done, ...skipped.map((s) => `skipped ${s}`)].join('; ');
  return { status: done.length > 0 ? 'applied' : 'skipped', why, stamp };
}

type Target = { subscription_id: string; customer_id: string; payment_method_id: string | null };

/** The subscription named in metadata, else those billed to a method of this Stripe customer. */
async function targetSubscriptions(
  ctx: EventContext<Stripe.SetupIntent>,
  stripeCustomer: string,
  named: string | undefined,
): Promise<Target[]> {
  const { deps, merchantId } = ctx;
  if (named) return listLiveSubscriptionById(deps.db, merchantId, named);
  return listLiveSubscriptionsOfStripeCustomer(deps.db, merchantId, stripeCustomer);
}
