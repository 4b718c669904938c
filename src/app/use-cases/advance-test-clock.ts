// Moves a test merchant's clock forward. It stops at every moment something falls due on the way
// and lets the worker act there, so weeks of dunning happen in order, exactly as they would live.
import { sql } from 'kysely';
import type { Deps } from '../deps.ts';
import type { Services } from '../http/v1/kit.ts';
import { newId } from '../ids.ts';
import { fail, ok, type Result } from '../result.ts';
import { drainMessages } from '../worker/side-effects.ts';
import { drain } from '../worker/worker.ts';

export type AdvanceOptions = {
  batchSize?: number;
  leaseMs?: number;
  workerId?: string;
  /**
   * Also deliver the merchant's customer messages at each stop, so they go out (and are held by
   * quiet hours) at their own business time. Without it they wait for the serve loop.
   */
  deliverMessages?: Services;
};

export async function advanceTestClock(
  deps: Deps,
  merchantId: string,
  to: Date,
  options: AdvanceOptions = {},
): Promise<Result<{ now: Date; processed: number }>> {
  const merchant = await deps.db
    .selectFrom('merchants')
    .select(['mode', 'test_clock_at'])
    .where('merchant_id', '=', merchantId)
    .executeTakeFirst();
  if (!merchant) return fail('not_found', `no merchant ${merchantId}`, 'merchant_id');
  if (merchant.mode !== 'test' || !merchant.test_clock_at)
    return fail('not_test_mode', 'only a merchant in test mode has a test clock', 'merchant_id');
  if (!(to instanceof Date) || Number.isNaN(to.getTime()))
    return fail('invalid_field', 'to must be a date and time', 'to');
  if (to.getTime() < merchant.test_clock_at.getTime())
    return fail('invalid_field', 'a test clock only moves forward', 'to');

  const workerOptions = {
    batchSize: options.batchSize ?? 100,
    leaseMs: options.leaseMs ?? 60_000,
    merchantId,
    ...(options.workerId ? { workerId: options.workerId } : {}),
  };
  const workerId = options.workerId ?? newId('wrk');
  const services = options.deliverMessages;
  const step = async (): Promise<number> => {
    const n = await drain(deps, { ...workerOptions, workerId });
    if (!services) return n;
    return n + (await drainMessages(services, { merchantId, workerId, ...batch(options) }));
  };
  let processed = await step();
  let current = merchant.test_clock_at;
  for (;;) {
    const next = await nextDueAfter(deps, merchantId, current, services !== undefined);
    const stop = next && next.getTime() < to.getTime() ? next : to;
    await deps.db
      .updateTable('merchants')
      .set({ test_clock_at: stop })
      .where('merchant_id', '=', merchantId)
      .execute();
    current = stop;
    processed += await step();
    if (stop.getTime() >= to.getTime()) break;
  }
  return ok({ now: to, processed });
}

function batch(options: AdvanceOptions): { batchSize?: number; leaseMs?: number } {
  return {
    ...(options.batchSize ? { batchSize: options.batchSize } : {}),
    ...(options.leaseMs ? { leaseMs: options.leaseMs } : {}),
  };
}

/**
 * The earliest moment after `after` at which a case or a renewal of this merchant falls due, and,
 * when messages are delivered on the way, a queued or held message.
 */
async function nextDueAfter(
  deps: Deps,
  merchantId: string,
  after: Date,
  withMessages: boolean,
): Promise<Date | null> {
  const messages = withMessages
    ? sql`(SELECT min(available_at) FROM outbox WHERE merchant_id = ${merchantId} AND topic = 'message' AND delivered_at IS NULL AND canceled_at IS NULL AND available_at > ${after}),
      (SELECT min(deferred_until) FROM messages WHERE merchant_id = ${merchantId} AND status = 'deferred' AND deferred_until > ${after}),`
    : sql``;
  const row = await sql<{ at: Date | null }>`
    SELECT least(
      ${messages}
      (SELECT min(next_action_at) FROM dunning_cases WHERE merchant_id = ${merchantId} AND status = 'open' AND next_action_at > ${after}),
      (SELECT min(next_renewal_at) FROM subscriptions WHERE merchant_id = ${merchantId} AND next_renewal_at > ${after})
    ) AS at`.execute(deps.db);
  return row.rows[0]?.at ?? null;
}
