// One verified Stripe event, applied at most once per event id: claim it, apply it by type,
// record what it did. Types Dunner does not handle are acknowledged and not stored.
import type Stripe from 'stripe';
import {
  claimWaitingStripeEvent,
  listWaitingStripeEvents,
  returnStripeEventToWaiting,
} from '../../adapters/db/stripe.repo.ts';
import type { Deps } from '../deps.ts';
import type { EventContext } from './context.ts';
import { CLAIM_MS, claimEvent, type Finish, finishEvent, releaseEvent } from './event-log.ts';
import { applyInvoicePaymentFailed } from './invoice-payment-failed.ts';
import { applyPaymentMethodUpdated } from './payment-method-updated.ts';
import { applySetupIntentSucceeded } from './setup-intent-succeeded.ts';

export type StripeEventOutcome =
  | { kind: 'applied' | 'skipped' | 'waiting'; why: string }
  /** This event id was handled before; its first outcome stands. */
  | { kind: 'duplicate'; status: 'applied' | 'skipped' | 'waiting' }
  | { kind: 'ignored'; why: string }
  /** Another delivery of this event is being applied now: answer so that Stripe retries. */
  | { kind: 'busy' };

export type ReceiveStripeEventInput = {
  merchantId: string;
  event: Stripe.Event;
  /** The merchant's Stripe client, to read details an event does not carry. */
  stripe: Stripe | null;
};

export async function receiveStripeEvent(
  deps: Deps,
  input: ReceiveStripeEventInput,
): Promise<StripeEventOutcome> {
  const { merchantId, event } = input;
  const handler = handlerFor(event);
  if (!handler) return { kind: 'ignored', why: `Dunner does not act on ${event.type}` };

  const claim = await claimEvent(deps.db, merchantId, event, handler.objectId, deps.clock.now());
  if (claim.kind === 'duplicate') return { kind: 'duplicate', status: claim.status };
  if (claim.kind === 'busy') return { kind: 'busy' };
  return applyClaimed(deps, input, handler, claim.kind === 'reclaimed');
}

/**
 * Applies again, oldest first, the stored events that waited for `waitingFor` (a Stripe object
 * Dunner now knows). Each is claimed from `waiting` so two replays never apply one twice.
 */
export async function replayWaitingEvents(
  deps: Deps,
  input: { merchantId: string; waitingFor: string; stripe: Stripe | null },
): Promise<StripeEventOutcome[]> {
  const rows = await listWaitingStripeEvents(deps.db, input.merchantId, input.waitingFor);
  const outcomes: StripeEventOutcome[] = [];
  for (const row of rows) {
    const event = row.payload as Stripe.Event;
    const handler = handlerFor(event);
    if (!handler) continue;
    const taken = await claimWaitingStripeEvent(
      deps.db,
      input.merchantId,
      row.event_id,
      new Date(deps.clock.now().getTime() + CLAIM_MS),
    );
    if (!taken) continue;
    try {
      outcomes.push(
        await applyClaimed(
          deps,
          { merchantId: input.merchantId, event, stripe: input.stripe },
          handler,
          false,
        ),
      );
    } catch (error) {
      // Stripe will not deliver it again: it waits for the next replay instead.
      await returnStripeEventToWaiting(deps.db, input.merchantId, row.event_id);
      throw error;
    }
  }
  return outcomes;
}

async function applyClaimed(
  deps: Deps,
  input: ReceiveStripeEventInput,
  handler: Handler,
  reclaimed: boolean,
): Promise<StripeEventOutcome> {
  const { merchantId, event } = input;
  let finish: Finish;
  try {
    finish = await handler.apply({ deps, stripe: input.stripe, merchantId, event, reclaimed });
  } catch (error) {
    await releaseEvent(deps.db, merchantId, event.id);
    throw error;
  }
  await finishEvent(deps.db, merchantId, event, finish, deps.clock.now());
  return { kind: finish.status, why: finish.why };
}

type Handler = {
  objectId: string;
  apply(ctx: Omit<EventContext<unknown>, 'object'>): Promise<Finish>;
};

function handlerFor(event: Stripe.Event): Handler | null {
  switch (event.type) {
    case 'invoice.payment_failed': {
      const object = event.data.object;
      return { objectId: object.id, apply: (ctx) => applyInvoicePaymentFailed({ ...ctx, object }) };
    }
    case 'payment_method.automatically_updated': {
      const object = event.data.object;
      return { objectId: object.id, apply: (ctx) => applyPaymentMethodUpdated({ ...ctx, object }) };
    }
    case 'setup_intent.succeeded': {
      const object = event.data.object;
      return { objectId: object.id, apply: (ctx) => applySetupIntentSucceeded({ ...ctx, object }) };
    }
    default:
      return null;
  }
}
