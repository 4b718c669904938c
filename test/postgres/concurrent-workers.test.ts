// Four workers, each on its own connection pool, drain the same due work at once. The test
// gateway's ledger must show exactly one charge per due attempt: none twice, none missing.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type DatabaseHandle, openDatabase } from '../../src/adapters/db/connect.ts';
import { createTestGateway } from '../../src/adapters/gateways/test-gateway/test-gateway.ts';
import { fixedClock } from '../../src/app/clock.ts';
import type { Deps } from '../../src/app/deps.ts';
import { unwrap } from '../../src/app/result.ts';
import { createMerchant } from '../../src/app/use-cases/create-merchant.ts';
import { drain } from '../../src/app/worker/worker.ts';
import { createTestDatabase, type TestDatabase } from '../support/db.ts';
import { subscribeMany } from '../support/population.ts';

const CASES = 2000;
const START = new Date('2026-02-05T09:00:00Z');

let database: TestDatabase;
let workers: DatabaseHandle[] = [];

beforeAll(async () => {
  database = await createTestDatabase();
  workers = await Promise.all(
    [1, 2, 3, 4].map(() => openDatabase({ kind: 'postgres', url: database.url! }, { poolSize: 2 })),
  );
});
afterAll(async () => {
  await Promise.all(workers.map((w) => w.close()));
  await database.drop();
});

async function drainWithFourWorkers(merchantId: string): Promise<number[]> {
  return Promise.all(
    workers.map((w, i) => {
      const deps: Deps = {
        db: w.db,
        clock: fixedClock(START),
        gateway: createTestGateway(w.db, { latencyMs: 1 }),
      };
      return drain(deps, {
        workerId: `worker-${i + 1}`,
        batchSize: 50,
        leaseMs: 60_000,
        merchantId,
      });
    }),
  );
}

describe('four workers on one PostgreSQL', () => {
  it(`drain ${CASES} due cases with exactly one charge per due attempt`, async () => {
    const deps = { db: database.db, clock: fixedClock(START) };
    const { merchantId } = unwrap(
      await createMerchant(deps, {
        name: 'Busy Co',
        mode: 'test',
        testClockAt: START,
        defaultPreset: 'gentle_30',
        // A fixed schedule, so every case is due at the same moment.
        smartRetries: false,
      }),
    );
    await subscribeMany(deps, {
      merchantId,
      count: CASES,
      card: 'insufficient_funds_until',
      succeedsFrom: new Date('2026-02-07T00:00:00Z'),
      periodStart: new Date('2026-01-05T09:00:00Z'),
    });

    // Feb 5: every renewal is due; all are declined and open a case.
    const renewalsPerWorker = await drainWithFourWorkers(merchantId);
    expect(renewalsPerWorker.filter((n) => n > 0).length).toBeGreaterThan(1);
    const opened = await database.db
      .selectFrom('dunning_cases')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('status', '=', 'open')
      .executeTakeFirstOrThrow();
    expect(Number(opened.n)).toBe(CASES);

    // Feb 8 (day 4): every case is due for its first retry, which now succeeds.
    await database.db
      .updateTable('merchants')
      .set({ test_clock_at: new Date('2026-02-08T09:00:00Z') })
      .where('merchant_id', '=', merchantId)
      .execute();
    const retriesPerWorker = await drainWithFourWorkers(merchantId);
    expect(retriesPerWorker.filter((n) => n > 0).length).toBeGreaterThan(1);

    const ledger = await database.db
      .selectFrom('test_gateway_charges')
      .select(['idempotency_key', 'request_count', 'outcome'])
      .execute();
    expect(ledger).toHaveLength(2 * CASES);
    expect(ledger.filter((r) => r.request_count !== 1)).toEqual([]);
    const retries = ledger.filter((r) => r.idempotency_key.includes(':step:'));
    expect(retries).toHaveLength(CASES);
    expect(retries.every((r) => r.outcome === 'succeeded')).toBe(true);

    const cases = await database.db
      .selectFrom('dunning_cases')
      .select(['status', 'retries_made'])
      .execute();
    expect(cases.filter((c) => c.status !== 'recovered' || c.retries_made !== 1)).toEqual([]);
    const owed = await database.db
      .selectFrom('subscriptions')
      .select((eb) => eb.fn.sum<number>('balance_minor').as('total'))
      .executeTakeFirstOrThrow();
    expect(Number(owed.total)).toBe(0);
  });
});
