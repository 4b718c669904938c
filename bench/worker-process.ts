// One worker process for the multi-process benches: opens the database, drains the merchant's due
// work through the engine's own `drain`, prints one JSON line and exits. Its argument is a JSON
// object: { url, merchantId, concurrency, batchSize, poolSize?, latencyMs?, jitterMs?, ratePerSecond? }.
import { openDatabase } from '../src/adapters/db/connect.ts';
import type { PaymentGateway } from '../src/adapters/gateways/port.ts';
import { rateLimited } from '../src/adapters/gateways/rate-limit.ts';
import { createTestGateway } from '../src/adapters/gateways/test-gateway/test-gateway.ts';
import { systemClock } from '../src/app/clock.ts';
import { drain, workerLanes } from '../src/app/worker/worker.ts';

export type WorkerProcessArgs = {
  url: string;
  merchantId: string;
  concurrency: number;
  batchSize: number;
  poolSize?: number;
  latencyMs?: number;
  jitterMs?: number;
  ratePerSecond?: number;
};

export type WorkerProcessReport = {
  steps: number;
  startedAtMs: number;
  endedAtMs: number;
  peakRssMb: number;
};

const args = JSON.parse(process.argv[2] ?? '{}') as WorkerProcessArgs;
const handle = await openDatabase(
  { kind: 'postgres', url: args.url },
  { poolSize: args.poolSize ?? 10 },
);
const testGateway = createTestGateway(handle.db, {
  latencyMs: args.latencyMs ?? 0,
  jitterMs: args.jitterMs ?? 0,
});
const gateway: PaymentGateway = args.ratePerSecond
  ? rateLimited(testGateway, { ratePerSecond: args.ratePerSecond })
  : testGateway;
const startedAtMs = Date.now();
const steps = await drain(
  { db: handle.db, clock: systemClock, gateway },
  {
    batchSize: args.batchSize,
    leaseMs: 300_000,
    merchantId: args.merchantId,
    concurrency: args.concurrency,
    lanes: workerLanes('postgres'),
  },
);
const endedAtMs = Date.now();
await handle.close();
const report: WorkerProcessReport = {
  steps,
  startedAtMs,
  endedAtMs,
  peakRssMb: process.resourceUsage().maxRSS / 1024,
};
process.stdout.write(`${JSON.stringify(report)}\n`);
