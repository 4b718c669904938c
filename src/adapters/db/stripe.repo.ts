// Stripe: each merchant's keys, the inbound event log, the newest event applied per Stripe object,
// and which Dunner subscription a Stripe subscription is.
import { sql } from 'kysely';
import { openSecret, sealSecret } from '../crypto/secret-box.ts';
import type { Db } from './connect.ts';
import type { StripeEventStatus } from './schema-stripe.ts';

// --- accounts ---

/** The merchant's keys, opened (they are sealed at rest: ../crypto/secret-box.ts). */
export async function findStripeAccount(db: Db, merchantId: string) {
  const row = await db
    .selectFrom('stripe_accounts')
    .select(['secret_key', 'webhook_secret', 'publishable_key'])
    .where('merchant_id', '=', merchantId)
    .executeTakeFirst();
  return row
    ? {
        ...row,
        secret_key: openSecret(row.secret_key),
        webhook_secret: openSecret(row.webhook_secret),
      }
    : undefined;
}

/** Stores the merchant's keys, replacing earlier ones. */
export async function upsertStripeAccount(
  db: Db,
  row: {
    merchant_id: string;
    secret_key: string;
    webhook_secret: string;
    publishable_key: string | null;
  },
): Promise<void> {
  const secretKey = sealSecret(row.secret_key);
  const webhookSecret = sealSecret(row.webhook_secret);
  await db
    .insertInto('stripe_accounts')
    .values({ ...row, secret_key: secretKey, webhook_secret: webhookSecret })
    .onConflict((oc) =>
      oc.column('merchant_id').doUpdateSet({
        secret_key: secretKey,
        webhook_secret: webhookSecret,
        publishable_key: row.publishable_key,
        updated_at: new Date(),
      }),
    )
    .execute();
}

// --- subscription links ---

export async function findLinkedSubscriptionId(
  db: Db,
  merchantId: string,
  stripeSubscriptionId: string,
): Promise<string | null> {
  const row = await db
    .selectFrom('stripe_subscription_links')
    .select('subscription_id')
    .where('merchant_id', '=', merchantId)
    .where('stripe_subscription_id', '=', stripeSubscriptionId)
    .executeTakeFirst();
  return row?.subscription_id ?? null;
}

/** The first link stands: a later one for the same Stripe subscription adds nothing. */
export async function insertSubscriptionLink(
  db: Db,
  row: { merchant_id: string; stripe_subscription_id: string; subscription_id: string },
): Promise<void> {
  await db
    .insertInto('stripe_subscription_links')
    .values(row)
    .onConflict((oc) => oc.columns(['merchant_id', 'stripe_subscription_id']).doNothing())
    .execute();
}

// --- the event log ---

/** Stores a first delivery of an event, claimed until `claimedUntil`; false when it was stored before. */
export async function insertClaimedStripeEvent(
  db: Db,
  row: {
    merchant_id: string;
    event_id: string;
    type: string;
    object_id: string;
    event_created: Date;
    livemode: boolean;
    payload: string;
    claimed_until: Date;
  },
): Promise<boolean> {
  const inserted = await db
    .insertInto('stripe_events')
    .values({
      ...row,
      status: 'received',
      waiting_for: null,
      why: null,
      processed_at: null,
    })
    .onConflict((oc) => oc.columns(['merchant_id', 'event_id']).doNothing())
    .returning('event_id')
    .executeTakeFirst();
  return inserted !== undefined;
}

/** Counts one more delivery of a stored event; returns its status. */
export async function countStripeEventDelivery(
  db: Db,
  merchantId: string,
  eventId: string,
): Promise<StripeEventStatus> {
  const seen = await db
    .updateTable('stripe_events')
    .set({ deliveries: sql`deliveries + 1` })
    .where('merchant_id', '=', merchantId)
    .where('event_id', '=', eventId)
    .returning('status')
    .executeTakeFirstOrThrow();
  return seen.status;
}

/** Takes over a received event whose claim ran out; false when another delivery holds it. */
export async function reclaimStripeEvent(
  db: Db,
  merchantId: string,
  eventId: string,
  now: Date,
  until: Date,
): Promise<boolean> {
  const taken = await db
    .updateTable('stripe_events')
    .set({ claimed_until: until })
    .where('merchant_id', '=', merchantId)
    .where('event_id', '=', eventId)
    .where('status', '=', 'received')
    .where((eb) => eb.or([eb('claimed_until', 'is', null), eb('claimed_until', '<=', now)]))
    .returning('event_id')
    .executeTakeFirst();
  return taken !== undefined;
}

export async function releaseStripeEvent(db: Db, merchantId: string, eventId: string) {
  await db
    .updateTable('stripe_events')
    .set({ claimed_until: null })
    .where('merchant_id', '=', merchantId)
    .where('event_id', '=', eventId)
    .where('status', '=', 'received')
    .execute();
}

export async function setStripeEventOutcome(
  db: Db,
  merchantId: string,
  eventId: string,
  outcome: {
    status: Exclude<StripeEventStatus, 'received'>;
    why: string;
    waiting_for: string | null;
    processed_at: Date;
  },
): Promise<void> {
  await db
    .updateTable('stripe_events')
    .set({ ...outcome, claimed_until: null })
    .where('merchant_id', '=', merchantId)
    .where('event_id', '=', eventId)
    .execute();
}

/** Records that `eventId` changed the object; never moves an object back to an older event. */
export async function stampStripeObject(
  db: Db,
  merchantId: string,
  objectKey: string,
  event: { id: string; created: Date },
  now: Date,
): Promise<void> {
  await db
    .insertInto('stripe_object_versions')
    .values({
      merchant_id: merchantId,
      object_key: objectKey,
      event_created: event.created,
      event_id: event.id,
    })
    .onConflict((oc) =>
      oc
        .columns(['merchant_id', 'object_key'])
        .doUpdateSet({ event_created: event.created, event_id: event.id, updated_at: now })
        .where('stripe_object_versions.event_created', '<=', event.created),
    )
    .execute();
}

/** The first of these objects (by key) changed by an event created after `created`. */
export async function findNewerObjectVersion(
  db: Db,
  merchantId: string,
  keys: readonly string[],
  created: Date,
) {
  return db
    .selectFrom('stripe_object_versions')
    .select(['object_key', 'event_id'])
    .where('merchant_id', '=', merchantId)
    .where('object_key', 'in', keys)
    .where('event_created', '>', created)
    .orderBy('object_key')
    .executeTakeFirst();
}

/** Stored events that wait for this Stripe object, oldest first. */
export async function listWaitingStripeEvents(db: Db, merchantId: string, waitingFor: string) {
  return db
    .selectFrom('stripe_events')
    .select(['event_id', 'payload'])
    .where('merchant_id', '=', merchantId)
    .where('status', '=', 'waiting')
    .where('waiting_for', '=', waitingFor)
    .orderBy('event_created')
    .orderBy('event_id')
    .execute();
}

/** Claims a waiting event for a replay; false when another replay took it. */
export async function claimWaitingStripeEvent(
  db: Db,
  merchantId: string,
  eventId: string,
  until: Date,
): Promise<boolean> {
  const taken = await db
    .updateTable('stripe_events')
    .set({ status: 'received', claimed_until: until })
    .where('merchant_id', '=', merchantId)
    .where('event_id', '=', eventId)
    .where('status', '=', 'waiting')
    .returning('event_id')
    .executeTakeFirst();
  return taken !== undefined;
}

/** A replay that failed puts the event back to wait for the next one. */
export async function returnStripeEventToWaiting(
  db: Db,
  merchantId: string,
  eventId: string,
): Promise<void> {
  await db
    .updateTable('stripe_events')
    .set({ status: 'waiting' })
    .where('merchant_id', '=', merchantId)
    .where('event_id', '=', eventId)
    .where('status', '=', 'received')
    .execute();
}

// --- payment methods and subscriptions as Stripe finds them ---

export async function listPaymentMethodsByToken(db: Db, merchantId: string, token: string) {
  return db
    .selectFrom('payment_methods')
    .selectAll()
    .where('merchant_id', '=', merchantId)
    .where('gateway_token', '=', token)
    .execute();
}

export async function findCustomerPaymentMethodIdByToken(
  db: Db,
  merchantId: string,
  customerId: string,
  token: string,
): Promise<string | undefined> {
  const row = await db
    .selectFrom('payment_methods')
    .select('payment_method_id')
    .where('merchant_id', '=', merchantId)
    .where('customer_id', '=', customerId)
    .where('gateway_token', '=', token)
    .executeTakeFirst();
  return row?.payment_method_id;
}

export type StripeTargetSubscription = {
  subscription_id: string;
  customer_id: string;
  payment_method_id: string | null;
};

/** The uncanceled subscription with this id. */
export async function listLiveSubscriptionById(
  db: Db,
  merchantId: string,
  subscriptionId: string,
): Promise<StripeTargetSubscription[]> {
  return db
    .selectFrom('subscriptions')
    .select([
      'subscriptions.subscription_id',
      'subscriptions.customer_id',
      'subscriptions.payment_method_id',
    ])
    .where('subscriptions.merchant_id', '=', merchantId)
    .where('subscriptions.state', '!=', 'canceled')
    .where('subscriptions.subscription_id', '=', subscriptionId)
    .execute();
}

/** Uncanceled subscriptions billed to a method of this Stripe customer, by id. */
export async function listLiveSubscriptionsOfStripeCustomer(
  db: Db,
  merchantId: string,
  stripeCustomer: string,
): Promise<StripeTargetSubscription[]> {
  return (
    db
      .selectFrom('subscriptions')
      .select([
        'subscriptions.subscription_id',
        'subscriptions.customer_id',
        'subscriptions.payment_method_id',
      ])
      .where('subscriptions.merchant_id', '=', merchantId)
      .where('subscriptions.state', '!=', 'canceled')
      .innerJoin('payment_methods', (join) =>
        join
          .onRef('payment_methods.merchant_id', '=', 'subscriptions.merchant_id')
          .onRef('payment_methods.payment_method_id', '=', 'subscriptions.payment_method_id'),
      )
      // `_` in Stripe ids is a LIKE wildcard: match it literally.
      .where(
        'payment_methods.gateway_token',
        'like',
        `stripe:${stripeCustomer.replaceAll('_', '\\_')}:%`,
      )
      .orderBy('subscriptions.subscription_id')
      .execute()
  );
}
