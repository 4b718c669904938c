// The inbound Stripe event log. A delivery first claims its event id (so a redelivery is applied
// once), then applies it, then records what it did. Per Stripe object we keep the newest event
// applied, so an older event delivered late is acknowledged and skipped.
import type Stripe from 'stripe';
import type { Db } from '../../adapters/db/connect.ts';
import type { StripeEventStatus } from '../../adapters/db/schema-stripe.ts';
import {
  countStripeEventDelivery,
  findNewerObjectVersion,
  insertClaimedStripeEvent,
  reclaimStripeEvent,
  releaseStripeEvent,
  setStripeEventOutcome,
  stampStripeObject,
} from '../../adapters/db/stripe.repo.ts';

/** How long a delivery holds its event before another delivery may take it over. */
export const CLAIM_MS = 60_000;

export type Claim =
  | { kind: 'claimed' }
  /** A delivery claimed it before and did not finish (it crashed or failed): apply it again. */
  | { kind: 'reclaimed' }
  | { kind: 'duplicate'; status: Exclude<StripeEventStatus, 'received'> }
  /** Another delivery of the same event is being applied right now. */
  | { kind: 'busy' };

export async function claimEvent(
  db: Db,
  merchantId: string,
  event: Stripe.Event,
  objectId: string,
  now: Date,
): Promise<Claim> {
  const until = new Date(now.getTime() + CLAIM_MS);
  const inserted = await insertClaimedStripeEvent(db, {
    merchant_id: merchantId,
    event_id: event.id,
    type: event.type,
    object_id: objectId,
    event_created: createdAt(event),
    livemode: event.livemode,
    payload: JSON.stringify(event),
    claimed_until: until,
  });
  if (inserted) return { kind: 'claimed' };

  const status = await countStripeEventDelivery(db, merchantId, event.id);
  if (status !== 'received') return { kind: 'duplicate', status };
  const taken = await reclaimStripeEvent(db, merchantId, event.id, now, until);
  return taken ? { kind: 'reclaimed' } : { kind: 'busy' };
}

/** A delivery that failed lets the next one (Stripe retries) take the event at once. */
export async function releaseEvent(db: Db, merchantId: string, eventId: string): Promise<void> {
  await releaseStripeEvent(db, merchantId, eventId);
}

export type Finish = {
  status: Exclude<StripeEventStatus, 'received'>;
  why: string;
  waitingFor?: string | null;
  /** Objects this event changed: later, older events about them are skipped. */
  stamp?: readonly string[];
};

export async function finishEvent(
  db: Db,
  merchantId: string,
  event: Stripe.Event,
  finish: Finish,
  now: Date,
): Promise<void> {
  await db.transaction().execute(async (trx) => {
    await setStripeEventOutcome(trx, merchantId, event.id, {
      status: finish.status,
      why: finish.why,
      waiting_for: finish.waitingFor ?? null,
      processed_at: now,
    });
    const created = createdAt(event);
    for (const key of finish.stamp ?? [])
      await stampStripeObject(trx, merchantId, key, { id: event.id, created }, now);
  });
}

/** The first of `keys` already changed by an event newer than this one, if any. */
export async function supersededBy(
  db: Db,
  merchantId: string,
  keys: readonly string[],
  event: Stripe.Event,
): Promise<{ key: string; eventId: string } | null> {
  if (keys.length === 0) return null;
  const newer = await findNewerObjectVersion(db, merchantId, keys, createdAt(event));
  return newer ? { key: newer.object_key, eventId: newer.event_id } : null;
}

/** Stripe's `created` is in whole seconds. */
export function createdAt(event: { created: number }): Date {
  return new Date(event.created * 1000);
}

export const objectKeys = {
  invoice: (id: string) => `invoice:${id}`,
  paymentMethod: (id: string) => `payment_method:${id}`,
  /** Which method a Dunner subscription is billed to (a saved method changes it). */
  subscriptionMethod: (subscriptionId: string) => `subscription_method:${subscriptionId}`,
} as const;
