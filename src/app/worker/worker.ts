// The worker: claim a batch of due renewals and cases, carry each one step forward, repeat.
// Stateless: any number of processes can run it against one database.
import { setTimeout as delay } from 'node:timers/promises';
import { claimDueCases, claimDueRenewals } from '../../adapters/db/engine.repo.ts';
import type { Deps } from '../deps.ts';
import { renewSubscriptions } from '../engine/renew-subscription.ts';
import { runCaseSteps } from '../engine/run-case-step.ts';
import { key } from '../engine/world.ts';
import { newId } from '../ids.ts';
import { installZoneCache } from '../zone-cache.ts';

// Exact memos of luxon's zone checks and offsets, kept for the life of the process.
let zoneCacheInstalled = false;

export type DueItem = { kind: 'case' | 'renewal'; merchantId: string; id: string };

export type WorkerOptions = {
  workerId?: string;
  batchSize: number;
  leaseMs: number;
  /** Gateway calls a batch keeps in flight at once (default 1). */
  concurrency?: number;
  /** Batches carried at once, each claimed on its own (default 1; see workerLanes). */
  lanes?: number;
  merchantId?: string;
  /** Called after each item; failures are reported here and the batch is retried after its lease. */
  onItem?: (item: DueItem, outcome: string) => void;
  onError?: (item: DueItem, error: unknown) => void;
};

/**
 * Claims one batch of each kind and carries each batch through its phases set-wise. Returns how
 * many items it claimed.
 */
export async function runWorkerOnce(deps: Deps, options: WorkerOptions): Promise<number> {
  if (!zoneCacheInstalled) {
    installZoneCache();
    zoneCacheInstalled = true;
  }
  const workerId = options.workerId ?? newId('wrk');
  const claim = {
    workerId,
    limit: options.batchSize,
    leaseMs: options.leaseMs,
    now: deps.clock.now(),
    ...(options.merchantId ? { merchantId: options.merchantId } : {}),
  };
  const renewals = await claimDueRenewals(deps.db, claim);
  const cases = await claimDueCases(deps.db, claim);
  const step = { maxInFlight: Math.max(1, options.concurrency ?? 1) };
  await carry(options, 'renewal', renewals, () =>
    renewSubscriptions(deps, workerId, renewals, step),
  );
  await carry(options, 'case', cases, () => runCaseSteps(deps, workerId, cases, step));
  return renewals.length + cases.length;
}

async function carry(
  options: WorkerOptions,
  kind: DueItem['kind'],
  items: readonly { merchantId: string; id: string }[],
  run: () => Promise<Map<string, string>>,
): Promise<void> {
  if (items.length === 0) return;
  const due = (i: { merchantId: string; id: string }): DueItem => ({
    kind,
    merchantId: i.merchantId,
    id: i.id,
  });
  try {
    const reports = await run();
    for (const i of items)
      options.onItem?.(due(i), reports.get(key(i.merchantId, i.id)) ?? 'skipped');
  } catch (error) {
    // The items keep their leases and are claimed again once the leases end.
    if (options.onError) for (const i of items) options.onError(due(i), error);
    else
      console.error(
        `dunner worker: a batch of ${items.length} ${kind} items failed: ${(error as Error).stack ?? error}`,
      );
  }
}

/** Processes batches until nothing is due (for the test clock, the demo and benchmarks). */
export async function drain(deps: Deps, options: WorkerOptions): Promise<number> {
  const workerId = options.workerId ?? newId('wrk');
  const totals = await Promise.all(
    Array.from({ length: lanesOf(options) }, async () => {
      let total = 0;
      for (;;) {
        const n = await runWorkerOnce(deps, { ...options, workerId });
        total += n;
        if (n === 0) return total;
      }
    }),
  );
  return totals.reduce((a, b) => a + b, 0);
}

/** Runs until the signal aborts, sleeping `pollMs` whenever nothing is due. */
export async function runWorker(
  deps: Deps,
  options: WorkerOptions & { pollMs: number; signal: AbortSignal },
): Promise<void> {
  const workerId = options.workerId ?? newId('wrk');
  await Promise.all(
    Array.from({ length: lanesOf(options) }, async () => {
      while (!options.signal.aborted) {
        const n = await runWorkerOnce(deps, { ...options, workerId });
        if (n === 0)
          await delay(options.pollMs, undefined, { signal: options.signal }).catch(() => {});
      }
    }),
  );
}

function lanesOf(options: WorkerOptions): number {
  return Math.max(1, options.lanes ?? 1);
}

/** Messages a dispatcher carries at once: PGlite serves one connection, PostgreSQL a pool. */
export function workerConcurrency(database: 'pglite' | 'postgres'): number {
  return database === 'postgres' ? 8 : 1;
}

/** Gateway calls a worker's batch keeps in flight: they wait on the network, not the database. */
export const GATEWAY_CALLS_IN_FLIGHT = 32;

/**
 * Batches one worker carries at once: on PostgreSQL other lanes' gateway calls go on while one
 * lane is in its database phases, so the gateway's rate limit, not the round trips, sets the pace
 * (two lanes fall into step and reach ~86 % of a 100/s limit at 300 ms latency, four ~98 %).
 */
export function workerLanes(database: 'pglite' | 'postgres'): number {
  return database === 'postgres' ? 4 : 1;
}
