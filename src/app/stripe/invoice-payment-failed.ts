// `invoice.payment_failed`: Stripe Billing could not collect an invoice. The decline is read from
// the invoice's failed PaymentIntent (the invoice itself no longer carries it) and reported as a
// payment failure of the Dunner subscription, which opens or continues its dunning case.

import type Stripe from 'stripe';
import { readMerchantNow } from '../../adapters/db/merchants.repo.ts';
import { rawDeclineOf } from '../../adapters/gateways/stripe/raw-decline.ts';
import type { RawDecline } from '../../domain/declines/classify.ts';
import type { Deps } from '../deps.ts';
import { reportPaymentFailure } from '../use-cases/report-payment-failure.ts';
import {
  type EventContext,
  idOf,
  linkedSubscription,
  rememberLink,
  requireStripe,
  SUBSCRIPTION_METADATA_KEY,
  subscriptionExists,
} from './context.ts';
import { createdAt, type Finish, objectKeys, supersededBy } from './event-log.ts';

export async function applyInvoicePaymentFailed(
  ctx: EventContext<Stripe.Invoice>,
): Promise<Finish> {
  const { deps, merchantId, object: invoice } = ctx;
  const stripeSubscriptionId = idOf(invoice.parent?.subscription_details?.subscription);
  const named =
    invoice.parent?.subscription_details?.metadata?.[SUBSCRIPTION_METADATA_KEY] ??
    invoice.metadata?.[SUBSCRIPTION_METADATA_KEY];
  let subscriptionId: string | null = null;
  if (named) {
    if (!(await subscriptionExists(deps.db, merchantId, named)))
      return {
        status: 'skipped',
        why: `metadata ${SUBSCRIPTION_METADATA_KEY} names ${named}, which is no subscription of this merchant`,
      };
    subscriptionId = named;
    if (stripeSubscriptionId)
      await rememberLink(deps.db, merchantId, stripeSubscriptionId, subscriptionId);
  } else if (stripeSubscriptionId) {
    subscriptionId = await linkedSubscription(deps.db, merchantId, stripeSubscriptionId);
  }
  if (!subscriptionId && !stripeSubscriptionId)
    return {
      status: 'skipped',
      why: `invoice ${invoice.id} belongs to no Stripe subscription and names no Dunner subscription`,
    };
  if (!subscriptionId)
    return {
      status: 'waiting',
      waitingFor: stripeSubscriptionId,
      why: `Stripe subscription ${stripeSubscriptionId} is linked to no Dunner subscription yet; linking it applies this event`,
    };

  const newer = await supersededBy(
    deps.db,
    merchantId,
    [objectKeys.invoice(invoice.id), objectKeys.subscriptionMethod(subscriptionId)],
    ctx.event,
  );
  if (newer)
    return {
      status: 'skipped',
      why: `a newer event (${newer.eventId}) already changed ${newer.key}: this older failure is out of date`,
    };

  const failure = await failedPaymentOf(requireStripe(ctx), invoice);
  const result = await reportPaymentFailure(deps, {
    merchantId,
    subscriptionId,
    externalChargeId: failure.externalChargeId,
    amountMinor: invoice.amount_remaining,
    currency: invoice.currency.toUpperCase(),
    decline: failure.raw,
    // Stripe stamps events in real time; a test merchant's clock may be behind it, so a failure
    // "from the future" is taken as happening now on the merchant's clock.
    ...(await failedAtFor(deps, merchantId, createdAt(ctx.event))),
    description: `Stripe invoice ${invoice.number ?? invoice.id}`,
  });
  if (!result.ok)
    // Refused for good (a canceled subscription, another currency): a redelivery changes nothing.
    return { status: 'skipped', why: `not reported: ${result.error.message}` };
  return {
    status: 'applied',
    why: `payment failure ${failure.externalChargeId} reported: ${result.value.why}`,
    stamp: [objectKeys.invoice(invoice.id)],
  };
}

export type InvoiceFailure = { raw: RawDecline; externalChargeId: string };

/** The decline of the invoice's latest failed payment, with the charge that failed. */
export async function failedPaymentOf(
  stripe: Stripe,
  invoice: Stripe.Invoice,
): Promise<InvoiceFailure> {
  const payments = await stripe.invoicePayments.list({
    invoice: invoice.id,
    expand: ['data.payment.payment_intent'],
    limit: 10,
  });
  const failed = payments.data
    .map((p) => p.payment.payment_intent)
    .filter((pi): pi is Stripe.PaymentIntent => typeof pi === 'object' && pi !== null)
    .filter((pi) => pi.last_payment_error !== null)
    .sort((a, b) => b.created - a.created)[0];
  const error = failed?.last_payment_error;
  if (!failed || !error) {
    // Stripe sent no decline (e.g. no payment method on file): a decline without a reason.
    return {
      raw: rawDeclineOf({}),
      externalChargeId: `${invoice.id}:attempt_${invoice.attempt_count}`,
    };
  }
  return {
    raw: rawDeclineOf(error),
    externalChargeId:
      error.charge ?? idOf(failed.latest_charge) ?? `${failed.id}:${invoice.attempt_count}`,
  };
}

async function failedAtFor(
  deps: Pick<Deps, 'db' | 'clock'>,
  merchantId: string,
  at: Date,
): Promise<{ failedAt?: Date }> {
  const now = await readMerchantNow(deps.db, merchantId, deps.clock);
  return at.getTime() <= now.getTime() ? { failedAt: at } : {};
}
