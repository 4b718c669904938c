// Reading subscriptions: one by id, or a filtered list, newest first. Always within one merchant.
import { sql } from 'kysely';
import type { Db } from '../../adapters/db/connect.ts';
import type { SubscriptionRow } from '../../adapters/db/schema.ts';
import { SUBSCRIPTION_STATES, type SubscriptionState } from '../../domain/subscription/state.ts';
import { fail, ok, type Result } from '../result.ts';
import type { PageRequest } from './read-customers.ts';

export type SubscriptionFilters = { state?: SubscriptionState; customerId?: string };

export async function getSubscription(
  db: Db,
  merchantId: string,
  subscriptionId: string,
): Promise<Result<SubscriptionRow>> {
  const row = await db
    .selectFrom('subscriptions')
    .selectAll()
    .where('merchant_id', '=', merchantId)
    .where('subscription_id', '=', subscriptionId)
    .executeTakeFirst();
  return row ? ok(row) : fail('not_found', `no subscription ${subscriptionId}`, 'id');
}

/** `limit + 1` rows so the caller can tell whether another page follows. */
export async function listSubscriptions(
  db: Db,
  merchantId: string,
  filters: SubscriptionFilters,
  page: PageRequest,
): Promise<Result<SubscriptionRow[]>> {
  if (filters.state !== undefined && !SUBSCRIPTION_STATES.includes(filters.state))
    return fail('invalid_field', `state must be one of ${SUBSCRIPTION_STATES.join(', ')}`, 'state');
  if (page.startingAfter !== undefined) {
    const after = await db
      .selectFrom('subscriptions')
      .select('subscription_id')
      .where('merchant_id', '=', merchantId)
      .where('subscription_id', '=', page.startingAfter)
      .executeTakeFirst();
    if (!after)
      return fail(
        'invalid_field',
        'starting_after is not a subscription of this list',
        'starting_after',
      );
  }
  const rows = await db
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
    .limit(page.limit + 1)
    .execute();
  return ok(rows);
}
