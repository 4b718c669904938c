// A whole simulation: one generated population, several strategies over it, totals per strategy.
// Customers are independent (one card each), so the work splits into shards, one per worker
// thread; each shard regenerates the same population from the seed and runs its own customers.
// Totals are sums, so the result does not depend on the number of threads.
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import { installZoneCache } from '../zone-cache.ts';
import { type HistoryRow, historyPopulation, historyStartDate } from './history.ts';
import type { ExchangeRates, PopulationModel } from './model.ts';
import { generatePopulation } from './population.ts';
import { addTotals, emptyTotals, runStrategy, type StrategyTotals } from './run.ts';
import { describeStrategy, type StrategyKey, strategyDefinition } from './strategies.ts';

export type SimulationInput = {
  readonly model: PopulationModel;
  readonly customers: number;
  readonly days: number;
  readonly seed: number;
  readonly strategies: readonly StrategyKey[];
  /** Worker threads; 1 runs in this thread. Default: up to 2, when the population is large. */
  readonly threads?: number;
  /** Called as simulated days complete: `done` out of days × strategies. */
  readonly onProgress?: (done: number, total: number, strategy: StrategyKey) => void;
  /** Replay these past failures (history.ts) instead of generating customers; `customers` is their count. */
  readonly history?: readonly HistoryRow[];
};

export type StrategyResult = {
  readonly key: StrategyKey;
  readonly description: string;
  readonly totals: StrategyTotals;
};

export type SimulationResult = {
  readonly customers: number;
  readonly days: number;
  readonly seed: number;
  readonly startDate: string;
  readonly threads: number;
  /** The model's rates to its reporting currency; null: amounts stay per currency. */
  readonly exchangeRates: ExchangeRates | null;
  readonly strategies: readonly StrategyResult[];
};

export type ShardJob = {
  readonly model: PopulationModel;
  readonly customers: number;
  readonly days: number;
  readonly seed: number;
  readonly strategies: readonly StrategyKey[];
  readonly offset: number;
  readonly stride: number;
  readonly history?: readonly HistoryRow[];
};

/** Below this many customers a worker thread costs more than it saves. */
const THREAD_THRESHOLD = 4000;

export function defaultThreads(customers: number): number {
  return customers < THREAD_THRESHOLD ? 1 : Math.max(1, Math.min(2, availableParallelism()));
}

/** Runs one shard's customers through every strategy, in this thread. */
export function runShard(
  job: ShardJob,
  onDay: (strategyIndex: number, daysDone: number) => void = () => {},
): StrategyTotals[] {
  const removeZoneCache = installZoneCache();
  try {
    const population = job.history
      ? historyPopulation(job.model, job.history)
      : generatePopulation(job.model, job.customers, job.seed, job.days);
    return job.strategies.map((key, i) =>
      runStrategy(population, strategyDefinition(key), {
        days: job.days,
        offset: job.offset,
        stride: job.stride,
        onDay: (d) => onDay(i, d),
      }),
    );
  } finally {
    removeZoneCache();
  }
}

export async function runSimulation(input: SimulationInput): Promise<SimulationResult> {
  const threads = Math.max(
    1,
    Math.min(input.threads ?? defaultThreads(input.customers), input.customers),
  );
  const job = (offset: number): ShardJob => ({
    model: input.model,
    customers: input.customers,
    days: input.days,
    seed: input.seed,
    strategies: input.strategies,
    offset,
    stride: threads,
    ...(input.history ? { history: input.history } : {}),
  });
  const total = input.days * input.strategies.length;
  // Days done per shard and strategy; progress counts a day once every shard has passed it.
  const done = Array.from({ length: threads }, () => input.strategies.map(() => 0));
  let reported = 0;
  const progress = (shard: number, strategyIndex: number, days: number) => {
    done[shard]![strategyIndex] = days;
    const value = input.strategies.reduce(
      (sum, _, i) => sum + Math.min(...done.map((d) => d[i]!)),
      0,
    );
    if (value !== reported) {
      reported = value;
      input.onProgress?.(value, total, input.strategies[strategyIndex]!);
    }
  };

  const shards =
    threads === 1
      ? [runShard(job(0), (i, d) => progress(0, i, d))]
      : await Promise.all(
          Array.from({ length: threads }, (_, shard) =>
            runInWorker(job(shard), (i, d) => progress(shard, i, d)),
          ),
        );

  return {
    customers: input.customers,
    days: input.days,
    seed: input.seed,
    startDate: input.history ? historyStartDate(input.history) : input.model.startDate,
    threads,
    exchangeRates: input.model.exchangeRates,
    strategies: input.strategies.map((key, i) => ({
      key,
      description: describeStrategy(key),
      totals: shards.reduce((sum, shard) => addTotals(sum, shard[i]!), emptyTotals()),
    })),
  };
}

type WorkerMessage =
  | { kind: 'day'; strategyIndex: number; days: number }
  | { kind: 'done'; totals: StrategyTotals[] }
  | { kind: 'failed'; message: string; stack: string | null };

function runInWorker(
  job: ShardJob,
  onDay: (strategyIndex: number, daysDone: number) => void,
): Promise<StrategyTotals[]> {
  return new Promise((resolve, reject) => {
    // A plain .mjs entry registers tsx in the new thread, then loads the TypeScript shard runner.
    const worker = new Worker(new URL('./shard-worker.mjs', import.meta.url), {
      workerData: job,
      // The run allocates many short-lived dates: a larger young generation means fewer GCs.
      resourceLimits: { maxYoungGenerationSizeMb: 64 },
    });
    let settled = false;
    worker.on('message', (m: WorkerMessage) => {
      if (m.kind === 'day') onDay(m.strategyIndex, m.days);
      else if (m.kind === 'done') {
        settled = true;
        resolve(m.totals);
      } else {
        settled = true;
        const error = new Error(`simulation worker failed: ${m.message}`);
        if (m.stack) error.stack = m.stack;
        reject(error);
      }
    });
    worker.on('error', (error) => {
      settled = true;
      reject(error);
    });
    worker.on('exit', (code) => {
      if (!settled) reject(new Error(`simulation worker exited with code ${code}`));
    });
  });
}
