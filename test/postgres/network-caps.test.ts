// Many subscriptions of one customer share one Visa card that keeps declining. Every day four
// workers, each on its own pool, carry the due cases at once. Visa allows 15 reattempts in 30
// days after a decline (reference/declines.md): the card must never see a 16th, however the
// cases fall across workers and batches.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type DatabaseHandle, openDatabase } from '../../src/adapters/db/connect.ts';
import { TEST_CARDS } from '../../src/adapters/gateways/test-gateway/cards.ts';
import { createTestGateway } from '../../src/adapters/gateways/test-gateway/test-gateway.ts';
import { fixedClock } from '../../src/app/clock.ts';
import type { Deps } from '../../src/app/deps.ts';
import { unwrap } from '../../src/app/result.ts';
import { addPaymentMethod } from '../../src/app/use-cases/add-payment-method.ts';
import { createCustomer } from '../../src/app/use-cases/create-customer.ts';
import { createMerchant } from '../../src/app/use-cases/create-merchant.ts';
import { createSubscription } from '../../src/app/use-cases/create-subscription.ts';
import { drain } from '../../src/app/worker/worker.ts';
import { createTestDatabase, type TestDatabase } from '../support/db.ts';

const SUBSCRIPTIONS = 12;
const START = new Date('2026-02-05T09:00:00Z');
const DAY_MS = 86_400_000;

let database: TestDatabase;
let workers: DatabaseHandle[] = [];

beforeAll(async () => {
  database = await createTestDatabase();
  workers = await Promise.all(
    [1, 2, 3, 4].map(() => openDatabase({ kind: 'postgres', url: database.url! }, { poolSize: 3 })),
  );
});
afterAll(async () => {
  await Promise.all(workers.map((w) => w.close()));
  await database.drop();
});

/** The Visa rule, counted plainly: attempts after the first decline, in any 30-day window. */
function mostReattemptsIn30Days(times: Date[]): number {
  const sorted = times.map((t) => t.getTime()).sort((a, b) => a - b);
  const after = sorted.slice(1);
  return Math.max(
    0,
    ...after.map((t) => after.filter((u) => u <= t && u > t - 30 * DAY_MS).length),
  );
}

describe('network caps across four workers', () => {
  it('never sends a 16th Visa reattempt in 30 days on a card shared by many cases', async () => {
    const deps = { db: database.db, clock: fixedClock(START) };
    const { merchantId } = unwrap(
      await createMerchant(deps, {
        name: 'Shared Card Co',
        mode: 'test',
        testClockAt: START,
        defaultPreset: 'gentle_30',
        // Fixed times: every case's retry falls due at the same instant.
        smartRetries: false,
      }),
    );
    const { customerId } = unwrap(
      await createCustomer(deps, { merchantId, name: 'Pat', email: 'pat@example.com' }),
    );
    const { paymentMethodId } = unwrap(
      await addPaymentMethod(deps, {
        merchantId,
        customerId,
        type: 'card',
        testCard: { number: TEST_CARDS.generic_decline.number },
      }),
    );
    for (let i = 0; i < SUBSCRIPTIONS; i++)
      unwrap(
        await createSubscription(deps, {
          merchantId,
          customerId,
          paymentMethodId,
          productName: `Seat ${i + 1}`,
          priceMinor: 900 + i,
          currency: 'USD',
          interval: 'month',
          currentPeriodStart: new Date('2026-01-05T09:00:00Z'),
        }),
      );

    // Day by day for 28 days, four workers drain whatever is due at once.
    for (let day = 0; day < 28; day++) {
      const at = new Date(START.getTime() + day * DAY_MS);
      await database.db
        .updateTable('merchants')
        .set({ test_clock_at: at })
        .where('merchant_id', '=', merchantId)
        .execute();
      await Promise.all(
        workers.map((w, i) => {
          const workerDeps: Deps = {
            db: w.db,
            clock: fixedClock(at),
            gateway: createTestGateway(w.db, { latencyMs: 2 }),
          };
          return drain(workerDeps, {
            workerId: `worker-${i + 1}`,
            batchSize: 3,
            leaseMs: 60_000,
            merchantId,
            concurrency: 4,
          });
        }),
      );
    }

    const attempts = await database.db
      .selectFrom('payment_attempts')
      .select(['requested_at', 'purpose', 'status', 'subscription_id'])
      .where('merchant_id', '=', merchantId)
      .execute();
    expect(attempts.filter((a) => a.status === 'pending')).toEqual([]);
    // Renewals on the card go one at a time too, and count toward the cap: a subscription whose
    // renewal was not sent had it deferred by the cap, to when the 30-day window frees.
    const renewed = new Set(
      attempts.filter((a) => a.purpose === 'renewal').map((a) => a.subscription_id!),
    );
    const deferred = await database.db
      .selectFrom('events')
      .select(['subscription_id', 'data', 'occurred_at'])
      .where('merchant_id', '=', merchantId)
      .where('type', '=', 'subscription.renewal_deferred')
      .orderBy('occurred_at')
      .execute();
    const lastDeferral = new Map(deferred.map((e) => [e.subscription_id!, e.data]));
    for (const [subscriptionId, data] of lastDeferral) {
      if (renewed.has(subscriptionId)) continue;
      expect(JSON.stringify(data)).toContain('visa_reattempt_cap');
    }
    expect(renewed.size + [...lastDeferral.keys()].filter((id) => !renewed.has(id)).length).toBe(
      SUBSCRIPTIONS,
    );
    // The cases wanted more retries than the card may take, so the cap decided.
    expect(attempts.length).toBe(16);
    expect(mostReattemptsIn30Days(attempts.map((a) => a.requested_at))).toBe(15);
    const refused = await database.db
      .selectFrom('events')
      .select('data')
      .where('merchant_id', '=', merchantId)
      .where('type', '=', 'dunning_case.decision')
      .execute();
    expect(refused.some((e) => JSON.stringify(e.data).includes('visa_reattempt_cap'))).toBe(true);
  });
});
