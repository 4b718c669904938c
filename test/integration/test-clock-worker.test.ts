// The test clock with another worker at work (serve's background worker): every renewal, retry,
// message and final action still happens at its own time, never at the clock's target in a burst.
import { afterEach, describe, expect, it } from 'vitest';
import { claimDueRenewals } from '../../src/adapters/db/engine.repo.ts';
import { renewSubscriptions } from '../../src/app/engine/renew-subscription.ts';
import { unwrap } from '../../src/app/result.ts';
import { advanceTestClock } from '../../src/app/use-cases/advance-test-clock.ts';
import { runWorker } from '../../src/app/worker/worker.ts';
import { createWorld, type World } from '../support/world.ts';

const FEB_5 = new Date('2026-02-05T09:00:00Z');
const MAR_10 = new Date('2026-03-10T09:00:00Z');
const DAY_MS = 86_400_000;
// gentle_30 with fixed times: retries on days 4, 8, 13, 19 and 25, cancel on day 30.
const RETRY_DAYS = [4, 8, 13, 19, 25];

let world: World | undefined;
afterEach(async () => {
  await world?.close();
  world = undefined;
});

async function subscribeDeclining(w: World, count: number): Promise<string[]> {
  const ids: string[] = [];
  for (let i = 0; i < count; i++)
    ids.push(
      await w.subscribe({ card: 'generic_decline', periodStart: new Date('2026-01-05T09:00:00Z') }),
    );
  return ids;
}

/** What a user checks on each case: when it opened, when it retried, when it ended. */
async function timelineDays(w: World) {
  const cases = await w.db
    .selectFrom('dunning_cases')
    .select(['case_id', 'opened_at', 'closed_at', 'status'])
    .where('merchant_id', '=', w.merchantId)
    .execute();
  const attempts = await w.db
    .selectFrom('payment_attempts')
    .select(['case_id', 'requested_at'])
    .where('merchant_id', '=', w.merchantId)
    .where('purpose', '=', 'retry')
    .execute();
  return cases.map((c) => ({
    opened: c.opened_at.toISOString(),
    status: c.status,
    closedDay: c.closed_at ? (c.closed_at.getTime() - c.opened_at.getTime()) / DAY_MS + 1 : null,
    retryDays: attempts
      .filter((a) => a.case_id === c.case_id)
      .map((a) => (a.requested_at.getTime() - c.opened_at.getTime()) / DAY_MS + 1)
      .sort((a, b) => a - b),
  }));
}

const onSchedule = {
  opened: FEB_5.toISOString(),
  status: 'canceled',
  closedDay: 30,
  retryDays: RETRY_DAYS,
};

describe('advancing the test clock while another worker runs', () => {
  it('waits for renewals another worker holds, which then happen at the time they were due', async () => {
    world = await createWorld({ preset: 'gentle_30', start: FEB_5 });
    await subscribeDeclining(world, 6);
    // Day 1: another worker has claimed every due renewal and is still carrying them.
    const held = await claimDueRenewals(world.db, {
      workerId: 'serve-worker',
      limit: 100,
      leaseMs: 60_000,
      now: FEB_5,
      merchantId: world.merchantId,
    });
    expect(held).toHaveLength(6);
    const advancing = advanceTestClock(world.deps, world.merchantId, MAR_10);
    await renewSubscriptions(world.deps, 'serve-worker', held);
    unwrap(await advancing);

    // Each case opened on Feb 5, retried on its own days, and was canceled on day 30.
    expect(await timelineDays(world)).toEqual(Array(6).fill(onSchedule));
  });

  it('keeps every step at its own time with the background worker polling throughout', async () => {
    world = await createWorld({ preset: 'gentle_30', start: FEB_5 });
    await subscribeDeclining(world, 12);
    const stop = new AbortController();
    const background = runWorker(world.deps, {
      workerId: 'serve-worker',
      batchSize: 4,
      leaseMs: 60_000,
      pollMs: 1,
      concurrency: 4,
      signal: stop.signal,
    });
    try {
      unwrap(await advanceTestClock(world.deps, world.merchantId, MAR_10, { batchSize: 4 }));
    } finally {
      stop.abort();
      await background;
    }
    expect(await timelineDays(world)).toEqual(Array(12).fill(onSchedule));
    // The messages went into the outbox on their step days too (first notice on day 1, …).
    const queued = await world.db
      .selectFrom('events')
      .select(['occurred_at', 'data'])
      .where('merchant_id', '=', world.merchantId)
      .where('type', '=', 'message.queued')
      .execute();
    const days = new Set(
      queued.map((e) => (e.occurred_at.getTime() - FEB_5.getTime()) / DAY_MS + 1),
    );
    expect([...days].sort((a, b) => a - b)).toEqual([1, 8, 19, 25, 30]);
  });
});
