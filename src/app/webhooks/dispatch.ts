// The webhook dispatcher, run by every worker loop: fans due events out into deliveries, then
// sends the deliveries that are due. Any number of workers can run it against one database:
// rows are claimed FOR UPDATE SKIP LOCKED and deliveries leased (see send-delivery.ts).
import {
  leaseDeliveries,
  listEndpointsByKeys,
  lockDueDeliveries,
} from '../../adapters/db/webhooks.repo.ts';
import { DEFAULT_TIMEOUT_MS } from '../../adapters/webhooks/http-sender.ts';
import { fanOutDueEvents } from './fan-out.ts';
import {
  type Reserved,
  type SendOptions,
  sendReserved,
  type WebhookDeps,
} from './send-delivery.ts';

export type DispatchOptions = SendOptions & {
  /** Events fanned out and deliveries sent per call, each. */
  limit: number;
  workerId: string;
  /** How long a claimed delivery stays with this worker (at least the send timeout + 5 s). */
  leaseMs: number;
  /** Deliveries sent at once (default 4), so one slow receiver does not hold up the others. */
  concurrency?: number;
  /** Only this merchant's events and deliveries (tests, a per-merchant drain). */
  merchantId?: string;
};

/**
 * One round: fan out due events, then send due deliveries. Returns how many events and
 * deliveries it handled (0 when nothing was due, so the caller may sleep).
 */
export async function dispatchDueWebhooks(
  deps: WebhookDeps,
  options: DispatchOptions,
): Promise<number> {
  const fannedOut = await fanOutDueEvents(deps, options.limit, options.merchantId);
  // Deliveries are claimed a few at a time, as many as are sent at once, so each lease only has
  // to cover one request; the lease always outlasts the request's timeout.
  const lanes = Math.max(1, options.concurrency ?? 4);
  const leaseMs = Math.max(options.leaseMs, (options.timeoutMs ?? DEFAULT_TIMEOUT_MS) + 5_000);
  let sent = 0;
  while (sent < options.limit) {
    const batch = await reserveDueDeliveries(deps, {
      limit: Math.min(lanes, options.limit - sent),
      workerId: options.workerId,
      leaseMs,
      ...(options.merchantId !== undefined ? { merchantId: options.merchantId } : {}),
    });
    if (batch.length === 0) break;
    await Promise.all(batch.map((reserved) => sendReserved(deps, reserved, options)));
    sent += batch.length;
  }
  return fannedOut + sent;
}

/**
 * Claims due deliveries of enabled endpoints: each gets its next attempt number and a lease
 * (next_attempt_at moves to the lease's end). Times are the services' clock: webhook retries
 * run on wall time for every merchant, test mode included (docs/webhooks.md).
 */
export async function reserveDueDeliveries(
  deps: WebhookDeps,
  o: { limit: number; workerId: string; leaseMs: number; merchantId?: string },
): Promise<Reserved[]> {
  const now = deps.clock.now();
  const leaseEnd = new Date(now.getTime() + o.leaseMs);
  return deps.db.transaction().execute(async (trx) => {
    const due = await lockDueDeliveries(trx, {
      now,
      limit: o.limit,
      ...(o.merchantId !== undefined ? { merchantId: o.merchantId } : {}),
    });
    if (due.length === 0) return [];
    const deliveries = await leaseDeliveries(trx, due, { owner: o.workerId, until: leaseEnd });
    const endpoints = await listEndpointsByKeys(trx, deliveries);
    const endpointOf = new Map(endpoints.map((e) => [`${e.merchant_id}/${e.endpoint_id}`, e]));
    return deliveries.map((delivery) => ({
      delivery,
      endpoint: endpointOf.get(`${delivery.merchant_id}/${delivery.endpoint_id}`)!,
      attemptNumber: delivery.attempt_count,
      trigger: 'scheduled' as const,
      statusBefore: 'pending' as const,
    }));
  });
}
