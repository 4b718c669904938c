// Moves a test merchant's clock forward. It stops at every moment something falls due on the way
// and lets the worker act there, so weeks of dunning happen in order, exactly as they would live.
import { sql } from 'kysely';
import type { Deps } from '../deps.ts';
import { fail, ok, type Result } from '../result.ts';
import { drain } from '../worker/worker.ts';

export type AdvanceOptions = { batchSize?: number; leaseMs?: number; workerId?: string };

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
  let processed = await drain(deps, workerOptions);
  let current = merchant.test_clock_at;
  for (;;) {
    const next = await nextDueAfter(deps, merchantId, current);
    const stop = next && next.getTime() < to.getTime() ? next : to;
    await deps.db
      .updateTable('merchants')
      .set({ test_clock_at: stop })
      .where('merchant_id', '=', merchantId)
      .execute();
    current = stop;
    processed += await drain(deps, workerOptions);
    if (stop.getTime() >= to.getTime()) break;
  }
  return ok({ now: to, processed });
}

/** The earliest moment after `after` at which a case or a renewal of this merchant falls due. */
async function nextDueAfter(deps: Deps, merchantId: string, after: Date): Promise<Date | null> {
  const row = await sql<{ at: Date | null }>`
    SELECT least(
      (SELECT min(next_action_at) FROM dunning_cases WHERE merchant_id = ${merchantId} AND status = 'open' AND next_action_at > ${after}),
      (SELECT min(next_renewal_at) FROM subscriptions WHERE merchant_id = ${merchantId} AND next_renewal_at > ${after})
    ) AS at`.execute(deps.db);
  return row.rows[0]?.at ?? null;
}
