// A new card entered on the hosted update page in Stripe's own fields (Stripe.js). Dunner creates
// one SetupIntent per update link for the case's Stripe customer; the browser confirms it (3-D
// Secure included, inside Stripe's frame) and posts the saved payment method back. That answer is
// trusted only once Stripe confirms it: the SetupIntent is this link's, it succeeded, and it
// attached exactly that payment method to that customer.
import type Stripe from 'stripe';
import type { StripeAccounts } from '../../adapters/gateways/stripe/accounts.ts';
import { parseStripeToken } from '../../adapters/gateways/stripe/token.ts';
import { fail, ok, type Result } from '../result.ts';
import type { HostedView } from '../use-cases/update-link-view.ts';

/** What the page needs to mount Stripe's fields; `unavailable` when Stripe could not be reached. */
export type CardSetup =
  | { kind: 'ready'; publishableKey: string; clientSecret: string; customer: string }
  | { kind: 'unavailable' };

/** Stripe answers a used idempotency key with its first answer: a few fresh keys at most. */
const MAX_SETUP_INTENTS = 5;

export function setupIdempotencyKey(linkId: string): string {
  return `dunner_link_${linkId}_setup`;
}

/**
 * The SetupIntent of the page behind this link, or null when the page takes no card through
 * Stripe (the method on file is not Stripe's, or the merchant has no secret or publishable key).
 */
export async function prepareCardSetup(
  accounts: StripeAccounts,
  view: HostedView,
): Promise<CardSetup | null> {
  const customer = view.stripeCustomer;
  if (!customer) return null;
  const settings = await accounts.settingsFor(view.merchantId);
  if (!settings?.secretKey || !settings.publishableKey) return null;
  const stripe = await accounts.clientFor(view.merchantId);
  if (!stripe) return null;
  try {
    // Idempotent per link: every view of the page reuses the same SetupIntent. Once the customer
    // confirmed it (a card saved, then perhaps declined), the next key follows from its id.
    let key = setupIdempotencyKey(view.linkId);
    for (let i = 0; i < MAX_SETUP_INTENTS; i++) {
      let intent = await stripe.setupIntents.create(
        {
          customer,
          usage: 'off_session',
          allowed_payment_method_types: ['card'],
          metadata: { dunner_subscription_id: view.subscriptionId, dunner_link_id: view.linkId },
        },
        { idempotencyKey: key },
      );
      // A replayed key answers with the intent as it was created: read what it is now.
      if (intent.lastResponse?.headers?.['idempotent-replayed'] === 'true')
        intent = await stripe.setupIntents.retrieve(intent.id);
      if (intent.status !== 'succeeded' && intent.status !== 'canceled' && intent.client_secret)
        return {
          kind: 'ready',
          publishableKey: settings.publishableKey,
          clientSecret: intent.client_secret,
          customer,
        };
      key = `${setupIdempotencyKey(view.linkId)}_after_${intent.id}`;
    }
    return { kind: 'unavailable' };
  } catch {
    // Stripe unreachable or refusing: the page still shows what is owed and whom to contact.
    return { kind: 'unavailable' };
  }
}

const REFUSED =
  "We couldn't confirm your new card with Stripe, so nothing was charged. Enter your card again, or contact the company that sent the link.";

/**
 * The card Stripe saved for this page: the posted `stripe:<cus>:<pm>` and SetupIntent id must be
 * a succeeded SetupIntent of this link that attached that payment method to the case's customer.
 */
export async function verifyCardSetup(
  accounts: StripeAccounts,
  view: HostedView,
  posted: { token: string; setupIntent: string },
): Promise<Result<{ stripeCustomer: string; method: Stripe.PaymentMethod }>> {
  const refused = fail('invalid_field', REFUSED, 'payment_method_token');
  const token = parseStripeToken(posted.token);
  if (!token || !/^seti_[A-Za-z0-9]{1,250}$/.test(posted.setupIntent)) return refused;
  const stripe = await accounts.clientFor(view.merchantId);
  if (!stripe || !view.stripeCustomer) return refused;
  let intent: Stripe.SetupIntent;
  try {
    intent = await stripe.setupIntents.retrieve(posted.setupIntent, {
      expand: ['payment_method'],
    });
  } catch (error) {
    // A SetupIntent Stripe does not know (of this account) is the browser's invention.
    if ((error as { type?: string }).type === 'StripeInvalidRequestError') return refused;
    return fail(
      'internal_error',
      "We couldn't reach our card processor to confirm your new card, so nothing was charged. Try again in a few minutes.",
      'payment_method_token',
    );
  }
  const method = intent.payment_method;
  const customer = typeof intent.customer === 'string' ? intent.customer : intent.customer?.id;
  if (
    intent.status !== 'succeeded' ||
    intent.metadata?.dunner_link_id !== view.linkId ||
    customer !== view.stripeCustomer ||
    token.customer !== customer ||
    method === null ||
    typeof method === 'string' ||
    method.id !== token.paymentMethod
  )
    return refused;
  return ok({ stripeCustomer: customer, method });
}
