// The inbound Stripe event log. A delivery first claims its event id (so a redelivery is applied
// once), then applies it, then records what it did. Per Stripe object we keep the newest event
// applied, so an older event delivered late is acknowledged and skipped.
import { sql } from 'kysely';
import type Stripe from 'stripe';
import type { Db } from '../../adapters/db/connect.ts';
import type { StripeEventStatus } from '../../adapters/db/schema-stripe.ts';

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
  const inserted = await db
    .insertInto('stripe_events')
    .values({
      merchant_id: merchantId,
      event_id: event.id,
      type: event.type,
      object_id: objectId,
      event_created: createdAt(event),
      livemode: event.livemode,
      payload: JSON.stringify(event),
      status: 'received',
      waiting_for: null,
      why: null,
      claimed_until: until,
      processed_at: null,
    })
    .onConflict((oc) => oc.columns(['merchant_id', 'event_id']).doNothing())
    .returning('event_id')
    .executeTakeFirst();
  if (inserted) return { kind: 'claimed' };

  const seen = await db
    .updateTable('stripe_events')
    .set({ deliveries: sql`deliveries + 1` })
    .where('merchant_id', '=', merchantId)
    .where('event_id', '=', event.id)
    .returning('status')
    .executeTakeFirstOrThrow();
  if (seen.status !== 'received') return { kind: 'duplicate', status: seen.status };
  const taken = await db
    .updateTable('stripe_events')
    .set({ claimed_until: until })
    .where('merchant_id', '=', merchantId)
    .where('event_id', '=', event.id)
    .where('status', '=', 'received')
    .where((eb) => eb.or([eb('claimed_until', 'is', null), eb('claimed_until', '<=', now)]))
    .returning('event_id')
    .executeTakeFirst();
  return taken ? { kind: 'reclaimed' } : { kind: 'busy' };
}

/** A delivery that failed lets the next one (Stripe retries) take the event at once. */
export async function releaseEvent(db: Db, merchantId: string, eventId: string): Promise<void> {
  await db
    .updateTable('stripe_events')
    .set({ claimed_until: null })
    .where('merchant_id', '=', merchantId)
    .where('event_id', '=', eventId)
    .where('status', '=', 'received')
    .execute();
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
    await trx
      .updateTable('stripe_events')
      .set({
        status: finish.status,
        why: finish.why,
        waiting_for: finish.waitingFor ?? null,
        claimed_until: null,
        processed_at: now,
      })
      .where('merchant_id', '=', merchantId)
      .where('event_id', '=', event.id)
      .execute();
    const created = createdAt(event);
    for (const key of finish.stamp ?? []) {
      await trx
        .insertInto('stripe_object_versions')
        .values({
          merchant_id: merchantId,
          object_key: key,
          event_created: created,
          event_id: event.id,
        })
        .onConflict((oc) =>
          oc
            .columns(['merchant_id', 'object_key'])
            .doUpdateSet({ event_created: created, event_id: event.id, updated_at: now })
            // Never move an object back to an older event.
            .where('stripe_object_versions.event_created', '<=', created),
        )
        .execute();
    }
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
  const newer = await db
    .selectFrom('stripe_object_versions')
    .select(['object_key', 'event_id'])
    .where('merchant_id', '=', merchantId)
    .where('object_key', 'in', keys)
    .where('event_created', '>', createdAt(event))
    .orderBy('object_key')
    .executeTakeFirst();
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
