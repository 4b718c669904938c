// `npm run bench`: drains 10,000 due dunning cases with one worker, on embedded PGlite and on
// PostgreSQL, and prints steps per second and peak RSS for each. Each backend runs in its own
// child process so its peak memory is its own. Half the retries succeed, half are declined.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import Table from 'cli-table3';
import pg from 'pg';
import { type DatabaseHandle, openDatabase } from '../src/adapters/db/connect.ts';
import { migrate } from '../src/adapters/db/migrate.ts';
import { createTestGateway } from '../src/adapters/gateways/test-gateway/test-gateway.ts';
import { systemClock } from '../src/app/clock.ts';
import { drain, workerConcurrency } from '../src/app/worker/worker.ts';
import { seedDueCases } from './seed-due-cases.ts';

const CASES = Number(process.env.BENCH_CASES ?? 10_000);
const PG_URL = process.env.BENCH_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

type Figures = {
  backend: string;
  cases: number;
  seconds: number;
  stepsPerSecond: number;
  peakRssMb: number;
  recovered: number;
};

async function runOne(backend: 'pglite' | 'postgres'): Promise<Figures> {
  let handle: DatabaseHandle;
  let cleanup = async () => {};
  if (backend === 'pglite') {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'dunner-bench-'));
    handle = await openDatabase({ kind: 'pglite', dataDir: dir });
    cleanup = async () => rmSync(dir, { recursive: true, force: true });
  } else {
    const name = `dunner_bench_${process.pid}`;
    const admin = new pg.Client({ connectionString: PG_URL });
    await admin.connect();
    await admin.query(`CREATE DATABASE ${name}`);
    await admin.end();
    const url = new URL(PG_URL);
    url.pathname = `/${name}`;
    handle = await openDatabase({ kind: 'postgres', url: url.toString() });
    cleanup = async () => {
      const a = new pg.Client({ connectionString: PG_URL });
      await a.connect();
      await a.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await a.end();
    };
  }
  await migrate(handle.db);
  const merchantId = await seedDueCases(handle, CASES);
  const deps = { db: handle.db, clock: systemClock, gateway: createTestGateway(handle.db) };
  const started = process.hrtime.bigint();
  const steps = await drain(deps, {
    batchSize: 100,
    leaseMs: 300_000,
    merchantId,
    concurrency: workerConcurrency(backend),
  });
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  const recovered = await handle.db
    .selectFrom('dunning_cases')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('status', '=', 'recovered')
    .executeTakeFirstOrThrow();
  await handle.close();
  await cleanup();
  if (steps !== CASES) throw new Error(`expected ${CASES} steps, drained ${steps}`);
  return {
    backend,
    cases: CASES,
    seconds,
    stepsPerSecond: steps / seconds,
    peakRssMb: process.resourceUsage().maxRSS / 1024,
    recovered: Number(recovered.n),
  };
}

const child = process.argv[2];
if (child === 'pglite' || child === 'postgres') {
  process.stdout.write(`${JSON.stringify(await runOne(child))}\n`);
} else {
  const self = fileURLToPath(import.meta.url);
  const results: Figures[] = [];
  for (const backend of ['pglite', 'postgres'] as const) {
    process.stderr.write(`draining ${CASES} due cases on ${backend}…\n`);
    const out = spawnSync(process.execPath, ['--import', 'tsx', self, backend], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    if (out.status !== 0) {
      process.stderr.write(`dunner bench: ${backend} run failed\n`);
      process.exit(1);
    }
    results.push(JSON.parse(out.stdout.trim().split('\n').at(-1)!));
  }
  const baseline = results[0]!;
  const table = new Table({
    head: ['backend', 'due cases', 'seconds', 'steps/s', 'vs PGlite', 'peak RSS (MB)', 'recovered'],
  });
  for (const r of results) {
    table.push([
      r.backend,
      r.cases,
      r.seconds.toFixed(1),
      r.stepsPerSecond.toFixed(0),
      `${(r.stepsPerSecond / baseline.stepsPerSecond).toFixed(2)}x`,
      r.peakRssMb.toFixed(0),
      r.recovered,
    ]);
  }
  console.log(table.toString());
}
