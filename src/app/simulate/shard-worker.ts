// Body of a simulation worker thread: runs its shard and posts progress and totals back.
import { parentPort, workerData } from 'node:worker_threads';
import { runShard, type ShardJob } from './simulation.ts';

const port = parentPort;
if (!port) throw new Error('shard-worker.ts runs only as a worker thread');

try {
  const totals = runShard(workerData as ShardJob, (strategyIndex, days) =>
    port.postMessage({ kind: 'day', strategyIndex, days }),
  );
  port.postMessage({ kind: 'done', totals });
} catch (error) {
  const e = error instanceof Error ? error : new Error(String(error));
  port.postMessage({ kind: 'failed', message: e.message, stack: e.stack ?? null });
}
