// What leaves the process after the engine has acted: customer messages and outbound webhooks,
// both read from the outbox. `serve` runs them in their own loop beside the engine's worker.
import type { Services } from '../http/v1/kit.ts';
import { dispatchDueMessages } from '../messages/dispatch.ts';
import { dispatchDueWebhooks } from '../webhooks/dispatch.ts';

export type SideEffectOptions = {
  workerId: string;
  batchSize: number;
  leaseMs: number;
  /** Messages carried at once: 1 on PGlite (one connection). */
  concurrency: number;
  merchantId?: string;
  log?: (line: string) => void;
};

/** One round of both dispatchers; returns how much they handled (0: nothing was due). */
export async function dispatchSideEffects(
  services: Services,
  options: SideEffectOptions,
): Promise<number> {
  const scope = options.merchantId ? { merchantId: options.merchantId } : {};
  const messages = await dispatchDueMessages(services, {
    limit: options.batchSize,
    workerId: options.workerId,
    leaseMs: options.leaseMs,
    concurrency: options.concurrency,
    ...scope,
    ...(options.log ? { log: options.log } : {}),
  });
  const webhooks = await dispatchDueWebhooks(services, {
    limit: options.batchSize,
    workerId: options.workerId,
    leaseMs: options.leaseMs,
    ...scope,
  });
  return messages + webhooks;
}

/** Customer messages of one merchant until none is due now (the test clock, the demo). */
export async function drainMessages(
  services: Services,
  options: { merchantId: string; workerId: string; batchSize?: number; leaseMs?: number },
): Promise<number> {
  let total = 0;
  for (;;) {
    const n = await dispatchDueMessages(services, {
      limit: options.batchSize ?? 100,
      workerId: options.workerId,
      leaseMs: options.leaseMs ?? 60_000,
      merchantId: options.merchantId,
    });
    total += n;
    if (n === 0) return total;
  }
}
