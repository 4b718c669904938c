// `npm run bench`: the engine against a raw claim-and-update of the same rows, on embedded PGlite
// and on PostgreSQL side by side (each backend in its own child process, so its peak RSS is its
// own), then on PostgreSQL: due cases drained by several worker processes, and the charges one
// worker process sustains through a slow, rate-limited gateway. bench/README.md lists the sizes.
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import Table from 'cli-table3';
import { sql } from 'kysely';
import pg from 'pg';
import { type DatabaseHandle, openDatabase } from '../src/adapters/db/connect.ts';
import { migrate } from '../src/adapters/db/migrate.ts';
import { createTestGateway } from '../src/adapters/gateways/test-gateway/test-gateway.ts';
import { systemClock } from '../src/app/clock.ts';
import { unwrap } from '../src/app/result.ts';
import { createWebhookEndpoint } from '../src/app/webhooks/endpoints.ts';
import { drain, GATEWAY_CALLS_IN_FLIGHT, workerLanes } from '../src/app/worker/worker.ts';
import { rawClaimAndUpdate } from './raw-claim.ts';
import { countRows, ROW_KINDS, type RowCounts, rowsBetween, totalRows } from './rows-written.ts';
import { seedDueCases, seedDueRenewals } from './seed-due-cases.ts';
import { type StatementCounts, statementCounter } from './statement-counter.ts';
import type { WorkerProcessArgs, WorkerProcessReport } from './worker-process.ts';

const env = (name: string, fallback: number) => Number(process.env[name] ?? fallback);
const SIZES = {
  cases: env('BENCH_CASES', 1_000),
  renewals: env('BENCH_RENEWALS', 1_000),
  /** PGlite steps are an order slower today: fewer rows keep the run short; ratios still compare. */
  pgliteCases: env('BENCH_PGLITE_CASES', 300),
  pgliteRenewals: env('BENCH_PGLITE_RENEWALS', 300),
  /** The same due cases for a merchant with one webhook endpoint taking every event (0: skip). */
  endpointCases: env('BENCH_ENDPOINT_CASES', env('BENCH_CASES', 1_000)),
  pgliteEndpointCases: env('BENCH_PGLITE_ENDPOINT_CASES', env('BENCH_PGLITE_CASES', 300)),
  rawRepeats: env('BENCH_RAW_REPEATS', 5),
  /** Engine drains of as many due cases each, for merchants of their own (median, like raw). */
  engineRepeats: env('BENCH_ENGINE_REPEATS', 5),
  batchSize: env('BENCH_BATCH_SIZE', 100),
  /** Gateway calls one worker's batch keeps in flight (the engine's default). */
  concurrency: env('BENCH_CONCURRENCY', GATEWAY_CALLS_IN_FLIGHT),
  fleetCases: env('BENCH_FLEET_CASES', 100_000),
  fleetWorkers: env('BENCH_FLEET_WORKERS', 4),
  fleetBudgetS: env('BENCH_FLEET_BUDGET_S', 90),
  rateCases: env('BENCH_RATE_CASES', 3_000),
  rateBudgetS: env('BENCH_RATE_BUDGET_S', 45),
  rateLimit: env('BENCH_RATE_LIMIT', 100),
  rateLatencyMs: env('BENCH_RATE_LATENCY_MS', 300),
  rateJitterMs: env('BENCH_RATE_JITTER_MS', 100),
  rateConcurrency: env('BENCH_RATE_CONCURRENCY', env('BENCH_CONCURRENCY', GATEWAY_CALLS_IN_FLIGHT)),
};
const PG_URL = process.env.BENCH_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const HERE = path.dirname(fileURLToPath(import.meta.url));
const seconds = (since: bigint) => Number(process.hrtime.bigint() - since) / 1e9;
const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
};
const rssMb = () => process.memoryUsage().rss / 2 ** 20;
const peakRssMb = () => process.resourceUsage().maxRSS / 1024;

// ---- PostgreSQL databases of our own, dropped after ----

async function admin(query: string): Promise<void> {
  const client = new pg.Client({ connectionString: PG_URL });
  await client.connect();
  try {
    await client.query(query);
  } finally {
    await client.end();
  }
}

async function createPgDatabase(suffix: string): Promise<{ url: string; drop(): Promise<void> }> {
  const name = `dunner_bench_${process.pid}_${suffix}`;
  await admin(`CREATE DATABASE ${name}`);
  const url = new URL(PG_URL);
  url.pathname = `/${name}`;
  return { url: url.toString(), drop: () => admin(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`) };
}

// ---- One backend, in its own child process ----

type EngineRun = {
  n: number;
  seconds: number;
  perSecond: number;
  counts: StatementCounts;
  /** Rows inserted during the drain, by table. */
  rows: RowCounts;
};
type BackendFigures = {
  backend: 'pglite' | 'postgres';
  rssAtOpenMb: number;
  raw: { rowsPerSecond: number; runs: number[] };
  /** The engine's run of median steps/s among `engineRuns`. */
  steps: EngineRun;
  engineRuns: number[];
  /** The due cases again, for a merchant with one endpoint subscribed to `*`. */
  withEndpoint: EngineRun | null;
  renewals: EngineRun;
  peakRssMb: number;
};

async function runBackend(backend: 'pglite' | 'postgres'): Promise<BackendFigures> {
  const counter = statementCounter();
  let handle: DatabaseHandle;
  let cleanup: () => Promise<void>;
  if (backend === 'pglite') {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'dunner-bench-'));
    handle = await openDatabase({ kind: 'pglite', dataDir: dir }, { observe: counter.observe });
    cleanup = async () => rmSync(dir, { recursive: true, force: true });
  } else {
    const database = await createPgDatabase('core');
    handle = await openDatabase(
      { kind: 'postgres', url: database.url },
      { observe: counter.observe, poolSize: 2 * SIZES.concurrency + 2 },
    );
    cleanup = database.drop;
  }
  const rssAtOpenMb = rssMb();
  try {
    await migrate(handle.db);
    const deps = { db: handle.db, clock: systemClock, gateway: createTestGateway(handle.db) };
    const options = {
      batchSize: SIZES.batchSize,
      leaseMs: 300_000,
      concurrency: SIZES.concurrency,
      lanes: workerLanes(backend),
    };

    const say = (what: string) => process.stderr.write(`  ${backend}: ${what}\n`);
    const cases = backend === 'pglite' ? SIZES.pgliteCases : SIZES.cases;
    const renewalCount = backend === 'pglite' ? SIZES.pgliteRenewals : SIZES.renewals;
    const merchantId = await seedDueCases(handle, cases);
    say('seeded; raw claim+update');
    const runs: number[] = [];
    for (let i = 0; i < SIZES.rawRepeats; i++) {
      const raw = await rawClaimAndUpdate(handle.db, merchantId, SIZES.batchSize);
      if (raw.rows !== cases) throw new Error(`raw claim got ${raw.rows} rows`);
      runs.push(raw.rows / raw.seconds);
    }

    const engineRun = async (merchant: string, n: number): Promise<EngineRun> => {
      const rowsBefore = await countRows(handle);
      const stop = counter.start();
      const started = process.hrtime.bigint();
      await drain(deps, { ...options, merchantId: merchant });
      const s = seconds(started);
      const counts = stop();
      const rows = rowsBetween(rowsBefore, await countRows(handle));
      // What drain returns may change with the engine; the database says whether all was done.
      const left = await stillDue(handle, merchant);
      if (left > 0) throw new Error(`drain returned with ${left} of ${n} items still due`);
      return { n, seconds: s, perSecond: n / s, counts, rows };
    };
    // The engine runs as often as the raw claim, each on due cases of a merchant of its own
    // (the first on the raw claim's rows), and the run of median steps/s is reported.
    const engineRuns: EngineRun[] = [];
    for (let i = 0; i < Math.max(1, SIZES.engineRepeats); i++) {
      const merchant = i === 0 ? merchantId : await seedDueCases(handle, cases);
      say(`engine drain ${i + 1}`);
      engineRuns.push(await engineRun(merchant, cases));
    }
    const sortedRuns = engineRuns.toSorted((a, b) => a.perSecond - b.perSecond);
    const steps = sortedRuns[Math.floor((sortedRuns.length - 1) / 2)]!;
    say(`${steps.perSecond.toFixed(0)} steps/s (median)`);
    const endpointCases = backend === 'pglite' ? SIZES.pgliteEndpointCases : SIZES.endpointCases;
    let withEndpoint: EngineRun | null = null;
    if (endpointCases > 0) {
      const hooked = await seedDueCases(handle, endpointCases);
      unwrap(
        await createWebhookEndpoint(deps, {
          merchantId: hooked,
          url: 'https://hooks.bench.example/dunner',
          enabledEvents: ['*'],
        }),
      );
      say('engine drain, one webhook endpoint');
      withEndpoint = await engineRun(hooked, endpointCases);
    }
    say('renewals');
    const renewalMerchant = await seedDueRenewals(handle, renewalCount);
    const renewals = await engineRun(renewalMerchant, renewalCount);
    return {
      backend,
      rssAtOpenMb,
      raw: { rowsPerSecond: median(runs), runs },
      steps,
      engineRuns: engineRuns.map((r) => r.perSecond),
      withEndpoint,
      renewals,
      peakRssMb: peakRssMb(),
    };
  } finally {
    await handle.close();
    await cleanup();
  }
}

/** Open cases and renewals of the merchant due at its clock. */
async function stillDue(handle: DatabaseHandle, merchantId: string): Promise<number> {
  const { rows } = await sql<{ n: number }>`
    SELECT (SELECT count(*) FROM dunning_cases c JOIN merchants m USING (merchant_id)
             WHERE c.merchant_id = ${merchantId} AND c.status = 'open'
               AND c.next_action_at <= m.test_clock_at)
         + (SELECT count(*) FROM subscriptions s JOIN merchants m USING (merchant_id)
             WHERE s.merchant_id = ${merchantId} AND s.next_renewal_at <= m.test_clock_at) AS n`.execute(
    handle.db,
  );
  return Number(rows[0]?.n ?? 0);
}

// ---- PostgreSQL: worker processes ----

type WorkersOutcome = { wallSeconds: number; reports: WorkerProcessReport[]; finished: boolean };

/** Starts the worker processes at once; those still running after budgetS are killed. */
async function runWorkerProcesses(
  args: WorkerProcessArgs,
  count: number,
  budgetS: number,
): Promise<WorkersOutcome> {
  const started = process.hrtime.bigint();
  const children: ChildProcess[] = [];
  const exits = Array.from({ length: count }, () => {
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', path.join(HERE, 'worker-process.ts'), JSON.stringify(args)],
      { stdio: ['ignore', 'pipe', 'inherit'] },
    );
    children.push(child);
    let out = '';
    child.stdout?.setEncoding('utf8').on('data', (chunk: string) => {
      out += chunk;
    });
    return new Promise<WorkerProcessReport | null>((resolve) => {
      child.on('exit', (code) => {
        const line = out.trim().split('\n').at(-1);
        resolve(code === 0 && line ? (JSON.parse(line) as WorkerProcessReport) : null);
      });
    });
  });
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    for (const child of children) if (child.exitCode === null) child.kill('SIGKILL');
  }, budgetS * 1000);
  const reports = await Promise.all(exits);
  clearTimeout(timer);
  const finished = !timedOut && reports.every((r) => r !== null);
  return {
    wallSeconds: seconds(started),
    reports: reports.filter((r): r is WorkerProcessReport => r !== null),
    finished,
  };
}

type FleetFigures = {
  cases: number;
  workers: number;
  finished: boolean;
  wallSeconds: number;
  drainSeconds: number;
  steppedOnce: number;
  steppedTwice: number;
  notStepped: number;
  reportedSteps: number;
  ledgerCharges: number;
  /** Seconds from the processor's first booked charge to its last. */
  ledgerSpanS: number;
  chargedTwice: number;
};

async function withPgMerchant<T>(
  suffix: string,
  cases: number,
  run: (url: string, handle: DatabaseHandle, merchantId: string) => Promise<T>,
): Promise<T> {
  const database = await createPgDatabase(suffix);
  const handle = await openDatabase({ kind: 'postgres', url: database.url }, { poolSize: 2 });
  try {
    await migrate(handle.db);
    const merchantId = await seedDueCases(handle, cases);
    return await run(database.url, handle, merchantId);
  } finally {
    await handle.close();
    await database.drop();
  }
}

async function ledgerOf(handle: DatabaseHandle, merchantId: string) {
  const { rows } = await sql<{
    charges: number;
    twice: number;
    span_s: number | null;
    busiest_second: number | null;
  }>`
    WITH l AS (SELECT * FROM test_gateway_charges WHERE merchant_id = ${merchantId})
    SELECT (SELECT count(*) FROM l)::int AS charges,
           (SELECT count(*) FROM l WHERE request_count > 1)::int AS twice,
           (SELECT extract(epoch FROM max(first_requested_at) - min(first_requested_at)) FROM l)::float8 AS span_s,
           (SELECT max(n) FROM (SELECT count(*) AS n FROM l GROUP BY date_trunc('second', first_requested_at)) s)::int AS busiest_second`.execute(
    handle.db,
  );
  return rows[0]!;
}

async function runFleet(): Promise<FleetFigures> {
  const { fleetCases: cases, fleetWorkers: workers } = SIZES;
  process.stderr.write(`PostgreSQL: seeding ${cases} due cases for ${workers} worker processes…\n`);
  return withPgMerchant('fleet', cases, async (url, handle, merchantId) => {
    process.stderr.write(
      `PostgreSQL: draining them with ${workers} processes (budget ${SIZES.fleetBudgetS}s)…\n`,
    );
    const outcome = await runWorkerProcesses(
      { url, merchantId, concurrency: SIZES.concurrency, batchSize: SIZES.batchSize },
      workers,
      SIZES.fleetBudgetS,
    );
    // Stepped = has a payment attempt: every seeded case's step charges its own card once.
    const { rows } = await sql<{ once: number; twice: number; never: number }>`
      SELECT count(*) FILTER (WHERE n = 1)::int AS once, count(*) FILTER (WHERE n > 1)::int AS twice,
             count(*) FILTER (WHERE n = 0)::int AS never
      FROM (SELECT c.case_id, count(a.attempt_id) AS n FROM dunning_cases c
            LEFT JOIN payment_attempts a ON a.merchant_id = c.merchant_id AND a.case_id = c.case_id
            WHERE c.merchant_id = ${merchantId} GROUP BY c.case_id) x`.execute(handle.db);
    const ledger = await ledgerOf(handle, merchantId);
    const starts = outcome.reports.map((r) => r.startedAtMs);
    const ends = outcome.reports.map((r) => r.endedAtMs);
    return {
      cases,
      workers,
      finished: outcome.finished,
      wallSeconds: outcome.wallSeconds,
      drainSeconds: outcome.finished
        ? (Math.max(...ends) - Math.min(...starts)) / 1000
        : outcome.wallSeconds,
      steppedOnce: rows[0]!.once,
      steppedTwice: rows[0]!.twice,
      notStepped: rows[0]!.never,
      reportedSteps: outcome.reports.reduce((sum, r) => sum + r.steps, 0),
      ledgerCharges: ledger.charges,
      ledgerSpanS: ledger.span_s ?? 0,
      chargedTwice: ledger.twice,
    };
  });
}

type RateFigures = {
  cases: number;
  finished: boolean;
  wallSeconds: number;
  charges: number;
  chargesPerSecond: number;
  busiestSecond: number;
  chargedTwice: number;
};

async function runRateLimited(): Promise<RateFigures> {
  const cases = SIZES.rateCases;
  process.stderr.write(
    `PostgreSQL: ${cases} due cases through a ${SIZES.rateLatencyMs}±${SIZES.rateJitterMs} ms gateway limited to ${SIZES.rateLimit}/s (budget ${SIZES.rateBudgetS}s)…\n`,
  );
  return withPgMerchant('rate', cases, async (url, handle, merchantId) => {
    const outcome = await runWorkerProcesses(
      {
        url,
        merchantId,
        concurrency: SIZES.rateConcurrency,
        batchSize: SIZES.batchSize,
        poolSize: 2 * SIZES.rateConcurrency + 2,
        latencyMs: SIZES.rateLatencyMs,
        jitterMs: SIZES.rateJitterMs,
        ratePerSecond: SIZES.rateLimit,
      },
      1,
      SIZES.rateBudgetS,
    );
    const ledger = await ledgerOf(handle, merchantId);
    // Sustained: charges booked by the processor over the span from its first to its last.
    const span = ledger.span_s ?? 0;
    return {
      cases,
      finished: outcome.finished,
      wallSeconds: outcome.wallSeconds,
      charges: ledger.charges,
      chargesPerSecond: span > 0 ? (ledger.charges - 1) / span : 0,
      busiestSecond: ledger.busiest_second ?? 0,
      chargedTwice: ledger.twice,
    };
  });
}

// ---- The report ----

/** No colours: the table is pasted into reports and issues. */
const PLAIN = { head: [], border: [] };

function runChild(backend: 'pglite' | 'postgres'): BackendFigures {
  const [cases, renewals] =
    backend === 'pglite'
      ? [SIZES.pgliteCases, SIZES.pgliteRenewals]
      : [SIZES.cases, SIZES.renewals];
  process.stderr.write(
    `${backend}: ${cases} due cases (raw claim ×${SIZES.rawRepeats}, then the engine), then ${renewals} renewals…\n`,
  );
  const out = spawnSync(
    process.execPath,
    ['--import', 'tsx', fileURLToPath(import.meta.url), backend],
    {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  );
  if (out.status !== 0) throw new Error(`${backend} run failed`);
  return JSON.parse(out.stdout.trim().split('\n').at(-1)!) as BackendFigures;
}

const ROWS_LEGEND = 'all (events / webhook outbox / message outbox / attempts / other)';

/** Rows inserted per item: the total, then by table as ROWS_LEGEND lists them. */
function rowsPerItem(run: EngineRun): string {
  const each = (x: number) => (x / run.n).toFixed(1);
  return `${each(totalRows(run.rows))} (${ROW_KINDS.map((k) => each(run.rows[k])).join(' / ')})`;
}

function printBackends(results: BackendFigures[]): void {
  const [lite, pgr] = results as [BackendFigures, BackendFigures];
  const per = (c: StatementCounts, k: keyof StatementCounts, run: EngineRun) => c[k] / run.n;
  const f0 = (x: number) => x.toFixed(0);
  const f1 = (x: number) => x.toFixed(1);
  const ratio = (x: number) => `${x.toFixed(3)}x`;
  const rows: [string, (r: BackendFigures) => string, string?][] = [
    ['due cases', (r) => String(r.steps.n)],
    [
      'raw claim+update rows/s (median)',
      (r) => `${f0(r.raw.rowsPerSecond)} (${r.raw.runs.map(f0).join(', ')})`,
    ],
    [
      'engine steps/s (median)',
      (r) => `${f0(r.steps.perSecond)} (${r.engineRuns.map(f0).join(', ')})`,
    ],
    ['engine ÷ raw', (r) => ratio(r.steps.perSecond / r.raw.rowsPerSecond), 'target ≥ 0.20x'],
    [
      'statements per step (engine)',
      (r) => f1(per(r.steps.counts, 'engineStatements', r.steps)),
      'target ≤ 6',
    ],
    ['commits per step (engine)', (r) => f1(per(r.steps.counts, 'engineCommits', r.steps))],
    ['rows inserted per step (engine)', (r) => rowsPerItem(r.steps), ROWS_LEGEND],
    [
      'with one webhook endpoint (*): due cases',
      (r) => (r.withEndpoint ? String(r.withEndpoint.n) : 'skipped'),
    ],
    ['  engine steps/s', (r) => (r.withEndpoint ? f0(r.withEndpoint.perSecond) : '')],
    [
      '  statements per step (engine)',
      (r) =>
        r.withEndpoint ? f1(per(r.withEndpoint.counts, 'engineStatements', r.withEndpoint)) : '',
    ],
    [
      '  rows inserted per step (engine)',
      (r) => (r.withEndpoint ? rowsPerItem(r.withEndpoint) : ''),
    ],
    [
      'statements per step (gateway ledger)',
      (r) => f1(per(r.steps.counts, 'ledgerStatements', r.steps)),
    ],
    [
      'rollbacks during the drain',
      (r) => String(r.steps.counts.rollbacks + r.renewals.counts.rollbacks),
    ],
    ['renewals due at once', (r) => String(r.renewals.n)],
    ['renewals/s', (r) => f0(r.renewals.perSecond), 'target ≥ 1,000 (PostgreSQL)'],
    [
      'statements per renewal (engine)',
      (r) => f1(per(r.renewals.counts, 'engineStatements', r.renewals)),
    ],
    [
      'commits per renewal (engine)',
      (r) => f1(per(r.renewals.counts, 'engineCommits', r.renewals)),
    ],
    ['rows inserted per renewal (engine)', (r) => rowsPerItem(r.renewals), ROWS_LEGEND],
    ['RSS after open (MB)', (r) => f0(r.rssAtOpenMb)],
    ['peak RSS (MB)', (r) => f0(r.peakRssMb)],
  ];
  const table = new Table({ head: ['', 'PGlite', 'PostgreSQL', 'target'], style: PLAIN });
  for (const [label, cell, target] of rows)
    table.push([label, cell(lite), cell(pgr), target ?? '']);
  console.log(table.toString());
}

function printWorkers(fleet: FleetFigures, rate: RateFigures): void {
  const table = new Table({ head: ['PostgreSQL, worker processes', '', 'target'], style: PLAIN });
  const done = fleet.steppedOnce + fleet.steppedTwice;
  // Unfinished, the wall time includes process start-up: the processor's booking span does not.
  const casesPerSecond = fleet.finished
    ? done / fleet.drainSeconds
    : fleet.ledgerCharges / Math.max(fleet.ledgerSpanS, 1e-3);
  table.push(
    [
      `${fleet.cases} due cases, ${fleet.workers} processes`,
      fleet.finished
        ? `${fleet.drainSeconds.toFixed(1)} s (${fleet.wallSeconds.toFixed(1)} s from spawn)`
        : `NOT FINISHED: ${done} stepped in the ${SIZES.fleetBudgetS} s budget; at ${casesPerSecond.toFixed(0)}/s all would take ~${(fleet.cases / casesPerSecond).toFixed(0)} s`,
      '≤ 60 s',
    ],
    ['  cases/s', casesPerSecond.toFixed(0), ''],
    [
      '  stepped exactly once',
      `${fleet.steppedOnce} of ${fleet.cases} (twice: ${fleet.steppedTwice}, not yet: ${fleet.notStepped}; steps reported: ${fleet.finished ? fleet.reportedSteps : 'n/a'})`,
      'all, once',
    ],
    [
      '  gateway charges (charged twice)',
      `${fleet.ledgerCharges} (${fleet.chargedTwice})`,
      '0 twice',
    ],
    [
      `${rate.cases} due cases, 1 process, gateway ${SIZES.rateLatencyMs}±${SIZES.rateJitterMs} ms, limit ${SIZES.rateLimit}/s, concurrency ${SIZES.rateConcurrency}`,
      `${rate.chargesPerSecond.toFixed(1)} charges/s sustained = ${((100 * rate.chargesPerSecond) / SIZES.rateLimit).toFixed(0)} % of the limit`,
      '≥ 95 %',
    ],
    [
      '  charges, busiest second, charged twice',
      `${rate.charges}${rate.finished ? '' : ` (budget of ${SIZES.rateBudgetS} s reached)`}, ${rate.busiestSecond}, ${rate.chargedTwice}`,
      '',
    ],
  );
  console.log(table.toString());
}

const child = process.argv[2];
if (child === 'pglite' || child === 'postgres') {
  process.stdout.write(`${JSON.stringify(await runBackend(child))}\n`);
} else {
  const started = process.hrtime.bigint();
  const backends = [runChild('pglite'), runChild('postgres')];
  const fleet = await runFleet();
  const rate = await runRateLimited();
  console.log(
    `dunner bench: batches of ${SIZES.batchSize}, ${SIZES.concurrency} gateway calls in flight per batch, lanes PostgreSQL ${workerLanes('postgres')}, PGlite ${workerLanes('pglite')}; ${os.cpus().length} CPUs; ${seconds(started).toFixed(0)} s in all`,
  );
  printBackends(backends);
  printWorkers(fleet, rate);
}
