// API load benchmark: `node bin/run-ts.js bench/api.bench.ts`. Starts the app on a fresh PostgreSQL
// database (on the server of DATABASE_URL, else postgres://postgres@127.0.0.1:5432/test), seeds a
// test merchant with BENCH_CASES past-due subscriptions and their open cases, and drives it with
// autocannon: reporting failures (POST /v1/payment_failures) and reading cases and subscriptions,
// next to GET /health (no auth, no database) as the baseline measured in the same process.
// autocannon shares the server's event loop, so the ratio to the baseline is the figure to compare;
// absolute req/s understate what a server with its own cores would do.
import type { AddressInfo } from 'node:net';
import autocannon from 'autocannon';
import Table from 'cli-table3';
import pg from 'pg';
import { openDatabase } from '../src/adapters/db/connect.ts';
import { migrate } from '../src/adapters/db/migrate.ts';
import { createTestGateway } from '../src/adapters/gateways/test-gateway/test-gateway.ts';
import { createApiKey } from '../src/app/access/api-keys.ts';
import { systemClock } from '../src/app/clock.ts';
import { loadConfig } from '../src/app/config.ts';
import { buildApp } from '../src/app/http/app.ts';
import { seedDueCases } from './seed-due-cases.ts';

const SERVER_URL =
  process.env.DATABASE_URL ?? process.env.BENCH_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const CASES = Number(process.env.BENCH_CASES ?? 2000);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 10);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 10);

type Row = {
  name: string;
  requestsPerSecond: number;
  p50: number;
  p99: number;
  non2xx: number;
  errors: number;
};

const dbName = `dunner_api_bench_${process.pid}`;
const dbUrl = new URL(SERVER_URL);
dbUrl.pathname = `/${dbName}`;

async function admin(query: string): Promise<void> {
  const client = new pg.Client({ connectionString: SERVER_URL });
  await client.connect();
  try {
    await client.query(query);
  } finally {
    await client.end();
  }
}

await admin(`CREATE DATABASE ${dbName}`);
const handle = await openDatabase(
  { kind: 'postgres', url: dbUrl.toString() },
  { poolSize: CONNECTIONS + 2 },
);
const rows: Row[] = [];
try {
  await migrate(handle.db);
  process.stderr.write(`seeding ${CASES} past-due subscriptions with open cases…\n`);
  const merchantId = await seedDueCases(handle, CASES);
  const { key } = await createApiKey(handle.db, { merchantId, label: 'bench' });
  const app = buildApp({
    services: {
      db: handle.db,
      clock: systemClock,
      gateway: createTestGateway(handle.db),
      // Defaults only: no SMTP, no Stripe, whatever the environment of the bench says.
      config: loadConfig({}),
    },
    // The bench is one client measuring the service's rate, not the limit's.
    rateLimits: { apiRequestsPerSecond: 1e9 },
    databaseKind: 'postgres',
  });
  await app.listen({ host: '127.0.0.1', port: 0 });
  const base = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
  const auth = { authorization: `Bearer ${key}` };
  const someId = () => 1 + Math.floor(Math.random() * CASES);

  const available = async (method: string, path: string, body?: unknown) => {
    const res = await app.inject({
      method: method as 'GET',
      url: path,
      headers: auth,
      ...(body ? { payload: body as object } : {}),
    });
    return res.statusCode < 300;
  };

  let charge = 0;
  const scenarios: {
    name: string;
    probe: () => Promise<boolean>;
    request: autocannon.Request;
  }[] = [
    {
      name: 'GET /health (baseline)',
      probe: async () => true,
      request: { method: 'GET', path: '/health' },
    },
    {
      name: 'GET /v1/subscriptions/:id',
      probe: () => available('GET', '/v1/subscriptions/sub_1'),
      request: {
        method: 'GET',
        path: '/v1/subscriptions/sub_1',
        headers: auth,
        setupRequest: (req) => ({ ...req, path: `/v1/subscriptions/sub_${someId()}` }),
      },
    },
    {
      name: 'GET /v1/dunning_cases/:id',
      probe: () => available('GET', '/v1/dunning_cases/case_1'),
      request: {
        method: 'GET',
        path: '/v1/dunning_cases/case_1',
        headers: auth,
        setupRequest: (req) => ({ ...req, path: `/v1/dunning_cases/case_${someId()}` }),
      },
    },
    {
      name: 'POST /v1/payment_failures',
      probe: () =>
        available('POST', '/v1/payment_failures', {
          subscription_id: 'sub_1',
          external_charge_id: 'probe',
          amount_in_cents: 1900,
          currency: 'USD',
          decline: { scheme: 'stripe', code: 'insufficient_funds' },
        }),
      request: {
        method: 'POST',
        path: '/v1/payment_failures',
        headers: { ...auth, 'content-type': 'application/json' },
        // Every report is a new external charge on a random subscription: its open case continues.
        setupRequest: (req) => ({
          ...req,
          body: JSON.stringify({
            subscription_id: `sub_${someId()}`,
            external_charge_id: `ext_${process.pid}_${charge++}`,
            amount_in_cents: 1900,
            currency: 'USD',
            decline: { scheme: 'stripe', code: 'insufficient_funds', network_decline_code: '51' },
          }),
        }),
      },
    },
  ];

  for (const s of scenarios) {
    if (!(await s.probe())) {
      process.stderr.write(`skipped ${s.name}: the route is not there (or refused the probe)\n`);
      continue;
    }
    process.stderr.write(`${s.name}: ${SECONDS}s with ${CONNECTIONS} connections…\n`);
    // A short warm-up first: JIT, the connection pool, prepared plans.
    await autocannon({ url: base, connections: CONNECTIONS, duration: 2, requests: [s.request] });
    const r = await autocannon({
      url: base,
      connections: CONNECTIONS,
      duration: SECONDS,
      requests: [s.request],
    });
    rows.push({
      name: s.name,
      requestsPerSecond: r.requests.average,
      p50: r.latency.p50,
      p99: r.latency.p99,
      non2xx: r.non2xx,
      errors: r.errors,
    });
  }
  await app.close();
} finally {
  await handle.close();
  await admin(`DROP DATABASE IF EXISTS ${dbName} WITH (FORCE)`);
}

const baseline = rows[0]!;
const table = new Table({
  head: ['endpoint', 'req/s', 'vs /health', 'p50 ms', 'p99 ms', 'non-2xx', 'errors'],
});
for (const r of rows)
  table.push([
    r.name,
    r.requestsPerSecond.toFixed(0),
    `${(r.requestsPerSecond / baseline.requestsPerSecond).toFixed(2)}x`,
    r.p50.toFixed(1),
    r.p99.toFixed(1),
    r.non2xx,
    r.errors,
  ]);
console.log(
  `PostgreSQL ${dbUrl.hostname}:${dbUrl.port || 5432}, ${CASES} cases, ${CONNECTIONS} connections, ${SECONDS}s each`,
);
console.log(table.toString());
