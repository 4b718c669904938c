// A worker process is killed with SIGKILL in the middle of a batch, twice, and restarted.
// Afterwards: no subscription was charged twice, no step was lost.
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fixedClock } from '../../src/app/clock.ts';
import { unwrap } from '../../src/app/result.ts';
import { createMerchant } from '../../src/app/use-cases/create-merchant.ts';
import { createTestDatabase, type TestDatabase } from '../support/db.ts';
import { subscribeMany } from '../support/population.ts';

const SUBSCRIPTIONS = 300;
let database: TestDatabase;

beforeAll(async () => {
  database = await createTestDatabase();
});
afterAll(async () => {
  await database.drop();
});

function startWorker(): ChildProcess {
  return spawn(process.execPath, ['--import', 'tsx', 'test/support/worker-process.ts'], {
    env: {
      ...process.env,
      DATABASE_URL: database.url!,
      TEST_GATEWAY_LATENCY_MS: '25',
      DUNNER_LEASE_MS: '1000',
      DUNNER_WORKER_BATCH: '50',
    },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
}

async function runToEnd(): Promise<void> {
  const child = startWorker();
  const [code] = await once(child, 'exit');
  expect(code).toBe(0);
}

/** Waits (polling the database, as an operator would watch it) until a charge is in flight, then kills. */
async function killMidBatch(minCharges: number): Promise<number> {
  const child = startWorker();
  for (;;) {
    const charges = await database.db
      .selectFrom('test_gateway_charges')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .executeTakeFirstOrThrow();
    const pending = await database.db
      .selectFrom('payment_attempts')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('status', '=', 'pending')
      .executeTakeFirstOrThrow();
    if (Number(charges.n) >= minCharges && Number(pending.n) > 0) break;
    if (child.exitCode !== null) throw new Error('the worker finished before it could be killed');
    await new Promise((resolve) => setImmediate(resolve));
  }
  child.kill('SIGKILL');
  await once(child, 'exit');
  const left = await database.db
    .selectFrom('payment_attempts')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('status', '=', 'pending')
    .executeTakeFirstOrThrow();
  return Number(left.n);
}

describe('a worker killed with SIGKILL mid-batch', () => {
  it('leaves no double charge and no lost step after a restart', async () => {
    const start = new Date('2026-02-05T09:00:00Z');
    const deps = { db: database.db, clock: fixedClock(start) };
    const { merchantId } = unwrap(
      await createMerchant(deps, {
        name: 'Crashy Co',
        mode: 'test',
        testClockAt: start,
        defaultPreset: 'gentle_30',
        // A fixed schedule, so every case is due at the same moment.
        smartRetries: false,
      }),
    );
    await subscribeMany(deps, {
      merchantId,
      count: SUBSCRIPTIONS,
      card: 'insufficient_funds_until',
      succeedsFrom: new Date('2026-02-07T00:00:00Z'),
      periodStart: new Date('2026-01-05T09:00:00Z'),
    });

    // Feb 5: renewals are due (all declined). Kill the worker in the middle, then restart it.
    expect(await killMidBatch(60)).toBeGreaterThan(0);
    await runToEnd();
    // Feb 8 (day 4): the first retries are due (all succeed). Kill and restart again.
    await database.db
      .updateTable('merchants')
      .set({ test_clock_at: new Date('2026-02-08T09:00:00Z') })
      .where('merchant_id', '=', merchantId)
      .execute();
    expect(await killMidBatch(SUBSCRIPTIONS + 60)).toBeGreaterThan(0);
    await runToEnd();

    const ledger = await database.db.selectFrom('test_gateway_charges').selectAll().execute();
    // One renewal and one retry per subscription, each booked once by the processor.
    expect(ledger).toHaveLength(2 * SUBSCRIPTIONS);
    const attempts = await database.db
      .selectFrom('payment_attempts')
      .select(['subscription_id', 'idempotency_key', 'status'])
      .execute();
    expect(attempts).toHaveLength(2 * SUBSCRIPTIONS);
    expect(attempts.filter((a) => a.status === 'pending')).toEqual([]);
    const succeededPerSub = new Map<string, number>();
    const byKey = new Map(ledger.map((r) => [r.idempotency_key, r]));
    for (const a of attempts) {
      if (byKey.get(a.idempotency_key)?.outcome === 'succeeded')
        succeededPerSub.set(a.subscription_id, (succeededPerSub.get(a.subscription_id) ?? 0) + 1);
    }
    expect([...succeededPerSub.values()].filter((n) => n !== 1)).toEqual([]);
    expect(succeededPerSub.size).toBe(SUBSCRIPTIONS);

    // No step lost or applied twice: every case recovered on its one retry, each event once.
    const cases = await database.db
      .selectFrom('dunning_cases')
      .select(['status', 'retries_made'])
      .execute();
    expect(cases).toHaveLength(SUBSCRIPTIONS);
    expect(cases.filter((c) => c.status !== 'recovered' || c.retries_made !== 1)).toEqual([]);
    const events = await database.db
      .selectFrom('events')
      .select(['type', (eb) => eb.fn.countAll<number>().as('n')])
      .groupBy('type')
      .execute();
    const count = (type: string) => Number(events.find((e) => e.type === type)?.n ?? 0);
    expect(count('dunning_case.opened')).toBe(SUBSCRIPTIONS);
    expect(count('payment.recovered')).toBe(SUBSCRIPTIONS);
    expect(count('message.queued')).toBe(SUBSCRIPTIONS);
    const subs = await database.db
      .selectFrom('subscriptions')
      .select(['state', 'balance_minor'])
      .execute();
    expect(subs.filter((s) => s.state !== 'active' || s.balance_minor !== 0)).toEqual([]);
    const resent = ledger.filter((r) => r.request_count > 1).length;
    console.log(
      `crash test: ${resent} charges were re-sent with their key after a kill and booked once`,
    );
  });
});
