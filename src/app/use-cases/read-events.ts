// Reading the append-only event log, newest first. `type` matches one type exactly
// (`subscription.past_due`) or a family with a trailing `.*` (`subscription.*`).
import type { Db } from '../../adapters/db/connect.ts';
import { listEventPage } from '../../adapters/db/event-log.repo.ts';
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
  const rows = await listEventPage(
    db,
    merchantId,
    {
      ...(filters.type !== undefined && family === undefined ? { type: filters.type } : {}),
      ...(family !== undefined ? { family } : {}),
      ...(filters.subscriptionId !== undefined ? { subscriptionId: filters.subscriptionId } : {}),
      ...(filters.caseId !== undefined ? { caseId: filters.caseId } : {}),
    },
    { limit: page.limit + 1, ...(afterId !== undefined ? { beforeId: afterId } : {}) },
  );
  return ok(rows as EventRecord[]);
}
