// Subscriptions: reads by id and by page, and column updates made by use cases.
import type { Insertable, UpdateObject } from 'kysely';
import { sql } from 'kysely';
import type { Db } from './connect.ts';
import type { Database, SubscriptionRow, SubscriptionsTable } from './schema.ts';

export async function findSubscription(
  db: Db,
  merchantId: string,
  subscriptionId: string,
): Promise<SubscriptionRow | undefined> {
  return db
    .selectFrom('subscriptions')
    .selectAll()
    .where('merchant_id', '=', merchantId)
    .where('subscription_id', '=', subscriptionId)
    .executeTakeFirst();
}

export async function subscriptionExists(
  db: Db,
  merchantId: string,
  subscriptionId: string,
): Promise<boolean> {
  const row = await db
    .selectFrom('subscriptions')
    .select('subscription_id')
    .where('merchant_id', '=', merchantId)
    .where('subscription_id', '=', subscriptionId)
    .executeTakeFirst();
  return row !== undefined;
}

/** Newest first, `limit` rows after the cursor subscription, optionally by state and customer. */
export async function listSubscriptionPage(
  db: Db,
  merchantId: string,
  filters: { state?: SubscriptionRow['state']; customerId?: string },
  page: { limit: number; startingAfter?: string },
): Promise<SubscriptionRow[]> {
  return db
    .selectFrom('subscriptions')
    .selectAll()
    .where('merchant_id', '=', merchantId)
    .$if(filters.state !== undefined, (q) => q.where('state', '=', filters.state!))
    .$if(filters.customerId !== undefined, (q) => q.where('customer_id', '=', filters.customerId!))
    .$if(page.startingAfter !== undefined, (q) =>
      // Compared in SQL: created_at has microseconds, a JS Date only milliseconds.
      q.where(
        sql<boolean>`(created_at, subscription_id) < (SELECT created_at, subscription_id FROM subscriptions WHERE merchant_id = ${merchantId} AND subscription_id = ${page.startingAfter})`,
      ),
    )
    .orderBy('created_at', 'desc')
    .orderBy('subscription_id', 'desc')
    .limit(page.limit)
    .execute();
}

export async function insertSubscription(
  db: Db,
  row: Insertable<SubscriptionsTable>,
): Promise<void> {
  await db.insertInto('subscriptions').values(row).execute();
}

export async function updateSubscriptionColumns(
  db: Db,
  merchantId: string,
  subscriptionId: string,
  set: UpdateObject<Database, 'subscriptions'>,
): Promise<void> {
  await db
    .updateTable('subscriptions')
    .set(set)
    .where('merchant_id', '=', merchantId)
    .where('subscription_id', '=', subscriptionId)
    .execute();
}

/** The subscription; throws when there is none. */
export async function getSubscription(
  db: Db,
  merchantId: string,
  subscriptionId: string,
): Promise<SubscriptionRow> {
  return db
    .selectFrom('subscriptions')
    .selectAll()
    .where('merchant_id', '=', merchantId)
    .where('subscription_id', '=', subscriptionId)
    .executeTakeFirstOrThrow();
}
