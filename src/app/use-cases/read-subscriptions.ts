// Reading subscriptions: one by id, or a filtered list, newest first. Always within one merchant.
import type { Db } from '../../adapters/db/connect.ts';
import type { SubscriptionRow } from '../../adapters/db/schema.ts';
import {
  findSubscription,
  listSubscriptionPage,
  subscriptionExists,
} from '../../adapters/db/subscriptions.repo.ts';
import { SUBSCRIPTION_STATES, type SubscriptionState } from '../../domain/subscription/state.ts';
import { fail, ok, type Result } from '../result.ts';
import type { PageRequest } from './read-customers.ts';

export type SubscriptionFilters = { state?: SubscriptionState; customerId?: string };

export async function getSubscription(
  db: Db,
  merchantId: string,
  subscriptionId: string,
): Promise<Result<SubscriptionRow>> {
  const row = await findSubscription(db, merchantId, subscriptionId);
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
    if (!(await subscriptionExists(db, merchantId, page.startingAfter)))
      return fail(
        'invalid_field',
        'starting_after is not a subscription of this list',
        'starting_after',
      );
  }
  const rows = await listSubscriptionPage(db, merchantId, filters, {
    ...page,
    limit: page.limit + 1,
  });
  return ok(rows);
}
