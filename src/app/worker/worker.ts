// The worker: claim a batch of due renewals and cases, carry each one step forward, repeat.
// Stateless: any number of processes can run it against one database.
import { setTimeout as delay } from 'node:timers/promises';
import type { Deps } from '../deps.ts';
import { renewSubscription } from '../engine/renew-subscription.ts';
import { runCaseStep } from '../engine/run-case-step.ts';
import { newId } from '../ids.ts';
import { claimDueCases, claimDueRenewals, type DueItem } from './claim-due-work.ts';

export type WorkerOptions = {
  workerId?: string;
  batchSize: number;
  leaseMs: number;
  /** Items of a batch carried at once (default 1). */
  concurrency?: number;
  merchantId?: string;
  /** Called after each item; failures are reported here and the item is retried after its lease. */
  onItem?: (item: DueItem, outcome: string) => void;
  onError?: (item: DueItem, error: unknown) => void;
};

/** Claims and processes one batch of each kind. Returns how many items it processed. */
export async function runWorkerOnce(deps: Deps, options: WorkerOptions): Promise<number> {
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
  const items = [...renewals, ...cases];
  // Items are independent (each locks its own rows), so a worker may carry several at once; on
  // PostgreSQL this overlaps gateway calls and commits. PGlite has one connection: keep it at 1.
  let next = 0;
  const lane = async () => {
    while (next < items.length) {
      const item = items[next++]!;
      await processItem(deps, workerId, item, options);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, options.concurrency ?? 1) }, lane));
  return renewals.length + cases.length;
}

async function processItem(
  deps: Deps,
  workerId: string,
  item: DueItem,
  options: WorkerOptions,
): Promise<void> {
  try {
    const outcome =
      item.kind === 'renewal'
        ? await renewSubscription(deps, workerId, item.merchantId, item.id)
        : await runCaseStep(deps, workerId, item.merchantId, item.id);
    options.onItem?.(item, outcome);
  } catch (error) {
    // The item keeps its lease and is claimed again once the lease ends.
    if (options.onError) options.onError(item, error);
    else
      console.error(
        `dunner worker: ${item.kind} ${item.id} failed: ${(error as Error).stack ?? error}`,
      );
  }
}

/** Processes batches until nothing is due (for the test clock, the demo and benchmarks). */
export async function drain(deps: Deps, options: WorkerOptions): Promise<number> {
  const workerId = options.workerId ?? newId('wrk');
  let total = 0;
  for (;;) {
    const n = await runWorkerOnce(deps, { ...options, workerId });
    total += n;
    if (n === 0) return total;
  }
}

/** Runs until the signal aborts, sleeping `pollMs` whenever nothing is due. */
export async function runWorker(
  deps: Deps,
  options: WorkerOptions & { pollMs: number; signal: AbortSignal },
): Promise<void> {
  const workerId = options.workerId ?? newId('wrk');
  while (!options.signal.aborted) {
    const n = await runWorkerOnce(deps, { ...options, workerId });
    if (n === 0) await delay(options.pollMs, undefined, { signal: options.signal }).catch(() => {});
  }
}

/** How many items one worker carries at once: PGlite serves one connection, PostgreSQL a pool. */
export function workerConcurrency(database: 'pglite' | 'postgres'): number {
  return database === 'postgres' ? 8 : 1;
}
