// A real worker process for the crash tests: the production worker loop on the configured
// database, printing one line per finished item, exiting once nothing is left to do.
import { setTimeout as delay } from 'node:timers/promises';
import { sql } from 'kysely';
import { openDatabase } from '../../src/adapters/db/connect.ts';
import { createTestGateway } from '../../src/adapters/gateways/test-gateway/test-gateway.ts';
import { systemClock } from '../../src/app/clock.ts';
import { loadConfig } from '../../src/app/config.ts';
import { runWorkerOnce } from '../../src/app/worker/worker.ts';

const config = loadConfig();
const handle = await openDatabase(config.database, { poolSize: 2 });
const deps = {
  db: handle.db,
  clock: systemClock,
  gateway: createTestGateway(handle.db, {
    latencyMs: Number(process.env.TEST_GATEWAY_LATENCY_MS ?? 0),
  }),
};
const workerId = `child-${process.pid}`;

for (;;) {
  const n = await runWorkerOnce(deps, {
    workerId,
    batchSize: config.workerBatchSize,
    leaseMs: config.leaseMs,
    onItem: (item, outcome) => process.stdout.write(`done ${item.kind} ${item.id} ${outcome}\n`),
    onError: (item, error) =>
      process.stderr.write(`error ${item.kind} ${item.id}: ${(error as Error).message}\n`),
  });
  if (n > 0) continue;
  // Work still leased by a dead worker becomes claimable when its lease ends: wait for it.
  const left = await sql<{ n: number }>`
    SELECT (SELECT count(*) FROM dunning_cases c JOIN merchants m USING (merchant_id)
             WHERE c.status = 'open' AND c.next_action_at <= coalesce(m.test_clock_at, now()))
         + (SELECT count(*) FROM subscriptions s JOIN merchants m USING (merchant_id)
             WHERE s.next_renewal_at <= coalesce(m.test_clock_at, now())) AS n`.execute(handle.db);
  if (Number(left.rows[0]?.n ?? 0) === 0) break;
  await delay(100);
}
await handle.close();
process.stdout.write('idle\n');
