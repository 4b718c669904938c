// `payment_method.automatically_updated`: the card network's updater gave Stripe a card's new
// number or expiry. Dunner stores the new display details and, through updatePaymentMethod,
// retries at once the open cases that use the method (the same Stripe id keeps working).

import type Stripe from 'stripe';
import { listPaymentMethodsByToken } from '../../adapters/db/stripe.repo.ts';
import { networkOf } from '../../adapters/gateways/stripe/raw-decline.ts';
import { stripeToken } from '../../adapters/gateways/stripe/token.ts';
import { updatePaymentMethod } from '../use-cases/update-payment-method.ts';
import { type EventContext, idOf } from './context.ts';
import { type Finish, objectKeys, supersededBy } from './event-log.ts';
import { fingerprintOf } from './stripe-methods.ts';

export async function applyPaymentMethodUpdated(
  ctx: EventContext<Stripe.PaymentMethod>,
): Promise<Finish> {
  const { deps, merchantId, object: method } = ctx;
  const customer = idOf(method.customer);
  const card = method.card;
  if (!customer || !card)
    return { status: 'skipped', why: `${method.id} is not a card saved to a Stripe customer` };
  const token = stripeToken({ customer, paymentMethod: method.id });
  const methods = await listPaymentMethodsByToken(deps.db, merchantId, token);
  if (methods.length === 0)
    return {
      status: 'waiting',
      waitingFor: method.id,
      why: `no Dunner payment method uses ${method.id}; a method saved later is read fresh from Stripe`,
    };
  const newer = await supersededBy(
    deps.db,
    merchantId,
    [objectKeys.paymentMethod(method.id)],
    ctx.event,
  );
  if (newer)
    return {
      status: 'skipped',
      why: `a newer event (${newer.eventId}) already updated ${method.id}: these details are out of date`,
    };

  const previous = (
    ctx.event.data as { previous_attributes?: { card?: { fingerprint?: unknown } } }
  ).previous_attributes?.card;
  const updated: string[] = [];
  for (const pm of methods) {
    // A new card number is a new credential for the network rules; a new expiry is the same
    // card, whose attempts still count.
    const newNumber = previous?.fingerprint !== undefined || pm.last4 !== card.last4;
    const details = {
      brand: card.brand,
      last4: card.last4,
      network: networkOf(card.brand) ?? null,
      fingerprint: newNumber ? fingerprintOf(method) : pm.fingerprint,
    };
    const changed =
      newNumber ||
      pm.brand !== details.brand ||
      pm.exp_month !== card.exp_month ||
      pm.exp_year !== card.exp_year;
    if (!changed && !ctx.reclaimed) continue;
    // Stored in the retry's own transaction, so the retry is judged against the new credential.
    const result = await updatePaymentMethod(deps, {
      merchantId,
      paymentMethodId: pm.payment_method_id,
      expMonth: card.exp_month,
      expYear: card.exp_year,
      display: details,
      source: 'card_updater',
    });
    if (!result.ok) return { status: 'skipped', why: `not applied: ${result.error.message}` };
    updated.push(`${pm.payment_method_id} (${result.value.casesRetried} open cases retried)`);
  }
  const stamp = [objectKeys.paymentMethod(method.id)];
  if (updated.length === 0)
    return { status: 'skipped', why: 'the stored details already match: nothing changed', stamp };
  return {
    status: 'applied',
    why: `card updated to ${card.brand} ending ${card.last4}, expiring ${card.exp_month}/${card.exp_year}: ${updated.join(', ')}`,
    stamp,
  };
}
