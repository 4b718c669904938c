// Moves a test merchant's clock forward. It stops at every moment something falls due on the way
// and lets the worker act there, so weeks of dunning happen in order, exactly as they would live.
// At each stop it also waits for items another worker (serve's) is carrying, so the clock never
// moves past a step that has not happened yet.
import { setTimeout as delay } from 'node:timers/promises';
import {
  countDueAt,
  loadTestClock,
  nextDueAfter,
  setTestClock,
} from '../../adapters/db/test-clock.repo.ts';
import type { Deps } from '../deps.ts';
import type { Services } from '../http/v1/kit.ts';
import { newId } from '../ids.ts';
import { fail, ok, type Result } from '../result.ts';
import { drainMessages } from '../worker/side-effects.ts';
import { drain } from '../worker/worker.ts';

const LEASE_POLL_MS = 10;

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
  const merchant = await loadTestClock(deps.db, merchantId);
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
  const step = async (at: Date): Promise<number> => {
    // Another worker may hold some of these items; they happen at this stop, not a later one.
    // The stop is done when nothing is due at it, held or not: an item another worker hands back
    // between a drain and the count (a renewal whose case's first step is due now) is drained too.
    let n = 0;
    let stuck = 0;
    for (;;) {
      const ran = await drain(deps, { ...workerOptions, workerId });
      n += ran;
      const { due, leased } = await countDueAt(deps.db, merchantId, at);
      if (due === 0) break;
      // Due, free, and still not taken by a drain that found nothing: nothing will take it here.
      stuck = ran === 0 && leased === 0 ? stuck + 1 : 0;
      if (stuck >= 3) break;
      if (ran === 0) await delay(LEASE_POLL_MS);
    }
    if (!services) return n;
    return n + (await drainMessages(services, { merchantId, workerId, ...batch(options) }));
  };
  let current = merchant.test_clock_at;
  let processed = await step(current);
  for (;;) {
    const next = await nextDueAfter(deps.db, merchantId, current, services !== undefined);
    const stop = next && next.getTime() < to.getTime() ? next : to;
    await setTestClock(deps.db, merchantId, stop);
    current = stop;
    processed += await step(stop);
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
