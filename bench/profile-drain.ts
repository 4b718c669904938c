// Profiles one engine drain of N due cases on PostgreSQL: where the time of a step goes, by
// statement shape (the time from sending each statement to its answer, summed), and its wall time.
// Run with --cpu-prof for the process's own side. Not part of `npm run bench`.
import pg from 'pg';
import { openDatabase } from '../src/adapters/db/connect.ts';
import { migrate } from '../src/adapters/db/migrate.ts';
import { createTestGateway } from '../src/adapters/gateways/test-gateway/test-gateway.ts';
import { systemClock } from '../src/app/clock.ts';
import { drain, workerLanes } from '../src/app/worker/worker.ts';
import { seedDueCases } from './seed-due-cases.ts';

const url = process.env.PROFILE_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/dunner_profile';
const n = Number(process.env.PROFILE_CASES ?? 2000);
const byShape = new Map<string, { count: number; ms: number; rows: number }>();
let timing = false;
const query = pg.Client.prototype.query as (...args: unknown[]) => unknown;
pg.Client.prototype.query = function (this: pg.Client, ...args: unknown[]) {
  const text = typeof args[0] === 'string' ? args[0] : ((args[0] as { text?: string })?.text ?? '');
  const shape = text.replace(/\s+/g, ' ').slice(0, 90);
  const started = performance.now();
  const result = query.apply(this, args);
  if (timing && result instanceof Promise)
    result.then(
      (r: { rowCount?: number }) => {
        const s = byShape.get(shape) ?? { count: 0, ms: 0, rows: 0 };
        s.count += 1;
        s.ms += performance.now() - started;
        s.rows += r?.rowCount ?? 0;
        byShape.set(shape, s);
      },
      () => {},
    );
  return result;
} as typeof pg.Client.prototype.query;

const handle = await openDatabase({ kind: 'postgres', url }, { poolSize: 66 });
await migrate(handle.db);
const deps = { db: handle.db, clock: systemClock, gateway: createTestGateway(handle.db) };
const lanes = Number(process.env.PROFILE_LANES ?? workerLanes('postgres'));
const batchSize = Number(process.env.PROFILE_BATCH ?? 100);
for (const round of [1, 2]) {
  const merchantId = await seedDueCases(handle, n);
  byShape.clear();
  timing = true;
  const started = performance.now();
  await drain(deps, { batchSize, leaseMs: 300_000, concurrency: 32, lanes, merchantId });
  const s = (performance.now() - started) / 1000;
  timing = false;
  console.log(`round ${round}: ${n} steps in ${s.toFixed(2)} s: ${(n / s).toFixed(0)} steps/s`);
}
const total = [...byShape.values()].reduce((a, b) => a + b.ms, 0);
for (const [shape, v] of [...byShape].sort((a, b) => b[1].ms - a[1].ms).slice(0, 30))
  console.log(
    `${v.ms.toFixed(0).padStart(7)} ms ${((100 * v.ms) / total).toFixed(1).padStart(5)}% ${String(v.count).padStart(5)}x ${String(v.rows).padStart(6)} rows  ${shape}`,
  );
await handle.close();
