// Lock order everywhere: the subscription, then its case (the worker, renewals, the API and the
// hosted page all lock in this order, so two of them never wait on each other in a cycle).
import { sql } from 'kysely';
import type { Db } from './connect.ts';
import type { CaseRow, SubscriptionRow } from './schema.ts';

export type LockedCase = { sub: SubscriptionRow; row: CaseRow; leased: boolean };

/** Locks a subscription for the rest of the transaction; undefined when there is none. */
export async function lockSubscription(
  trx: Db,
  merchantId: string,
  subscriptionId: string,
): Promise<SubscriptionRow | undefined> {
  return trx
    .selectFrom('subscriptions')
    .selectAll()
    .where('merchant_id', '=', merchantId)
    .where('subscription_id', '=', subscriptionId)
    .forUpdate()
    .executeTakeFirst();
}

/**
 * Locks a dunning case and its subscription for the rest of the transaction; `leased` says a
 * lease on the case has not run out yet. Null when there is no such case.
 */
export async function lockSubscriptionAndCase(
  trx: Db,
  merchantId: string,
  caseId: string,
): Promise<LockedCase | null> {
  const target = await trx
    .selectFrom('dunning_cases')
    .select('subscription_id')
    .where('merchant_id', '=', merchantId)
    .where('case_id', '=', caseId)
    .executeTakeFirst();
  if (!target) return null;
  const sub = await lockSubscription(trx, merchantId, target.subscription_id);
  if (!sub) throw new Error(`no subscription ${target.subscription_id} for case ${caseId}`);
  const locked = await trx
    .selectFrom('dunning_cases')
    .selectAll()
    .select(sql<boolean>`coalesce(lease_until > now(), false)`.as('leased'))
    .where('merchant_id', '=', merchantId)
    .where('case_id', '=', caseId)
    .forUpdate()
    .executeTakeFirst();
  if (!locked) return null;
  const { leased, ...row } = locked;
  return { sub, row, leased };
}

/** Lets the worker pick the case up again at its next action time. */
export async function releaseLease(trx: Db, row: CaseRow): Promise<void> {
  await trx
    .updateTable('dunning_cases')
    .set({ lease_owner: null, lease_until: null })
    .where('merchant_id', '=', row.merchant_id)
    .where('case_id', '=', row.case_id)
    .execute();
}
