// Reading the append-only event log, newest first. `type` matches one type exactly
// (`subscription.past_due`) or a family with a trailing `.*` (`subscription.*`).
import { sql } from 'kysely';
import type { Db } from '../../adapters/db/connect.ts';
import { fail, ok, type Result } from '../result.ts';
import type { PageRequest } from './read-customers.ts';

export type EventFilters = { type?: string; subscriptionId?: string; caseId?: string };

export type EventRecord = {
  event_id: number;
  type: string;
  subscription_id: string | null;
  case_id: string | null;
  data: Record<string, unknown>;
  occurred_at: Date;
  recorded_at: Date;
};

const TYPE = /^[a-z_]+(\.[a-z_]+)*(\.\*)?$/;

/** `startingAfter` is an event id as the API shows it (`evt_123`). `limit + 1` rows are fetched. */
export async function listEvents(
  db: Db,
  merchantId: string,
  filters: EventFilters,
  page: PageRequest,
): Promise<Result<EventRecord[]>> {
  if (filters.type !== undefined && !TYPE.test(filters.type))
    return fail(
      'invalid_field',
      'type must be an event type such as subscription.past_due, or a family such as subscription.*',
      'type',
    );
  let afterId: number | undefined;
  if (page.startingAfter !== undefined) {
    const m = /^evt_(\d{1,15})$/.exec(page.startingAfter);
    if (!m)
      return fail(
        'invalid_field',
        'starting_after must be an event id such as evt_42',
        'starting_after',
      );
    afterId = Number(m[1]);
  }
  const family = filters.type?.endsWith('.*') ? filters.type.slice(0, -1) : undefined;
  const rows = await db
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
    .$if(filters.type !== undefined && family === undefined, (q) =>
      q.where('type', '=', filters.type!),
    )
    // A family prefix: `_` is a LIKE wildcard, so it is escaped.
    .$if(family !== undefined, (q) =>
      q.where(sql<boolean>`type LIKE ${`${family!.replace(/_/g, '\\_')}%`}`),
    )
    .$if(filters.subscriptionId !== undefined, (q) =>
      q.where('subscription_id', '=', filters.subscriptionId!),
    )
    .$if(filters.caseId !== undefined, (q) => q.where('case_id', '=', filters.caseId!))
    .$if(afterId !== undefined, (q) => q.where('event_id', '<', afterId!))
    .orderBy('event_id', 'desc')
    .limit(page.limit + 1)
    .execute();
  return ok(rows as EventRecord[]);
}
