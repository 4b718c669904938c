// Reading the event log (recordEvent in events.repo.ts writes it).
import { sql } from 'kysely';
import type { Db } from './connect.ts';

/** The data of the subscription's payment_attempt.failed events for these attempts. */
export async function listAttemptFailedEventData(
  db: Db,
  merchantId: string,
  subscriptionId: string,
  attemptIds: string[],
): Promise<{ data: unknown }[]> {
  return db
    .selectFrom('events')
    .select(['data'])
    .where('merchant_id', '=', merchantId)
    .where('subscription_id', '=', subscriptionId)
    .where('type', '=', 'payment_attempt.failed')
    .where(sql<string>`data->>'attempt_id'`, 'in', attemptIds)
    .execute();
}

/** Every event of a case, in the order written. */
export async function listCaseEvents(db: Db, merchantId: string, caseId: string) {
  return db
    .selectFrom('events')
    .select(['event_id', 'type', 'occurred_at', 'data'])
    .where('merchant_id', '=', merchantId)
    .where('case_id', '=', caseId)
    .orderBy('event_id')
    .execute();
}

export type EventListFilters = {
  /** One type exactly. */
  type?: string;
  /** A family prefix such as `subscription.` (from `subscription.*`). */
  family?: string;
  subscriptionId?: string;
  caseId?: string;
};

/** The merchant's events, newest first, `limit` rows below `beforeId`. */
export async function listEventPage(
  db: Db,
  merchantId: string,
  filters: EventListFilters,
  page: { limit: number; beforeId?: number },
) {
  const { family } = filters;
  return (
    db
      .selectFrom('events')
      .select([
        'event_id',
        'type',
        'subscription_id',
        'case_id',
        'data',
        'occurred_at',
        'recorded_at',
      ])
      .where('merchant_id', '=', merchantId)
      .$if(filters.type !== undefined, (q) => q.where('type', '=', filters.type!))
      // A family prefix: `_` is a LIKE wildcard, so it is escaped.
      .$if(family !== undefined, (q) =>
        q.where(sql<boolean>`type LIKE ${`${family!.replace(/_/g, '\\_')}%`}`),
      )
      .$if(filters.subscriptionId !== undefined, (q) =>
        q.where('subscription_id', '=', filters.subscriptionId!),
      )
      .$if(filters.caseId !== undefined, (q) => q.where('case_id', '=', filters.caseId!))
      .$if(page.beforeId !== undefined, (q) => q.where('event_id', '<', page.beforeId!))
      .orderBy('event_id', 'desc')
      .limit(page.limit)
      .execute()
  );
}
