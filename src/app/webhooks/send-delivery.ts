// One attempt at one delivery, in three steps so a crash loses nothing (as for charges,
// docs/decisions/001-attempts-before-gateway-calls.md):
//   1. reserve: a transaction takes the next attempt number and leases the delivery (its
//      next_attempt_at moves to the end of the lease, so a dead worker's delivery comes back);
//   2. send: the HTTP request, outside any transaction;
//   3. finish: a transaction records the attempt and the delivery's new state.
// A worker that dies between 1 and 3 leaves the delivery due again when the lease ends: it is
// sent again with the same webhook-id (at least once; receivers deduplicate on webhook-id).

import type { Db } from '../../adapters/db/connect.ts';
import { recordEvent } from '../../adapters/db/events.repo.ts';
import { getMerchantMode, readMerchantNow } from '../../adapters/db/merchants.repo.ts';
import type { WebhookDeliveryRow, WebhookEndpointRow } from '../../adapters/db/schema-webhooks.ts';
import {
  disableEnabledEndpoint,
  insertDeliveryAttempt,
  lockWebhookDelivery,
  updateWebhookDelivery,
} from '../../adapters/db/webhooks.repo.ts';
import {
  DEFAULT_TIMEOUT_MS,
  type SendOutcome,
  sendWebhook,
  type WebhookSender,
} from '../../adapters/webhooks/http-sender.ts';
import { webhookHeaders } from '../../adapters/webhooks/signing.ts';
import { afterFailedAttempt } from '../../domain/webhooks/retry-schedule.ts';
import type { Clock } from '../clock.ts';
import { type OutboundConfig, outboundPolicy } from '../outbound-policy.ts';

export type WebhookDeps = {
  readonly db: Db;
  readonly clock: Clock;
  /** Without it no endpoint may be on this machine, in any mode (outbound-policy.ts). */
  readonly config?: OutboundConfig;
};

export type SendOptions = {
  /** How an attempt reaches the receiver (default: HTTP with fetch). */
  send?: WebhookSender;
  timeoutMs?: number;
  /** Jitter source for the retry schedule, a draw in [0, 1). */
  random?: () => number;
};

export type Trigger = 'scheduled' | 'replay' | 'test';

/** A delivery leased for one attempt. */
export type Reserved = {
  delivery: WebhookDeliveryRow;
  endpoint: WebhookEndpointRow;
  attemptNumber: number;
  trigger: Trigger;
  /** The status before a replay: a finished delivery is not put back on the retry schedule. */
  statusBefore: WebhookDeliveryRow['status'];
};

export type AttemptReport = {
  deliveryId: string;
  attemptNumber: number;
  succeeded: boolean;
  statusCode: number | null;
  status: WebhookDeliveryRow['status'];
  nextAttemptAt: Date | null;
  endpointDisabled: boolean;
};

/** The secrets that sign at `at`: the current one, and the previous one for 24 h after a rotation. */
export function activeSecrets(endpoint: WebhookEndpointRow, at: Date): string[] {
  const previousValid =
    endpoint.previous_secret !== null &&
    endpoint.previous_secret_expires_at !== null &&
    endpoint.previous_secret_expires_at.getTime() > at.getTime();
  return previousValid ? [endpoint.secret, endpoint.previous_secret!] : [endpoint.secret];
}

/** Steps 2 and 3: sends a reserved delivery and records what happened. */
export async function sendReserved(
  deps: WebhookDeps,
  reserved: Reserved,
  options: SendOptions = {},
): Promise<AttemptReport> {
  const send = options.send ?? sendWebhook;
  const startedAt = deps.clock.now();
  const timestampSec = Math.floor(startedAt.getTime() / 1000);
  const { delivery, endpoint } = reserved;
  const headers = webhookHeaders(
    activeSecrets(endpoint, startedAt),
    delivery.message_id,
    timestampSec,
    delivery.body,
  );
  let outcome: SendOutcome;
  try {
    outcome = await send({
      url: endpoint.url,
      headers,
      body: delivery.body,
      timeoutMs: options.timeoutMs ?? DEFAULT_TIMEOUT_MS,
      allowLoopback: await allowsLoopback(deps, delivery.merchant_id),
    });
  } catch (error) {
    // A sender that throws is a failed attempt like any other, never a lost one.
    outcome = { statusCode: null, responseBody: null, durationMs: 0, error: String(error) };
  }
  return finishAttempt(deps, reserved, {
    startedAt,
    timestampSec,
    outcome,
    random: options.random ?? Math.random,
  });
}

/** Only a deployment that allows loopback at all needs the merchant's mode. */
async function allowsLoopback(deps: WebhookDeps, merchantId: string): Promise<boolean> {
  if (!deps.config?.allowLoopbackUrls) return false;
  return outboundPolicy(deps.config, await getMerchantMode(deps.db, merchantId)).allowLoopback;
}

async function finishAttempt(
  deps: WebhookDeps,
  reserved: Reserved,
  a: { startedAt: Date; timestampSec: number; outcome: SendOutcome; random: () => number },
): Promise<AttemptReport> {
  const { delivery, attemptNumber } = reserved;
  const { outcome } = a;
  const succeeded =
    outcome.statusCode !== null && outcome.statusCode >= 200 && outcome.statusCode < 300;
  const gone = outcome.statusCode === 410;
  const finishedAt = deps.clock.now();
  return deps.db.transaction().execute(async (trx) => {
    const current = await lockWebhookDelivery(trx, delivery.merchant_id, delivery.delivery_id);
    const report: AttemptReport = {
      deliveryId: delivery.delivery_id,
      attemptNumber,
      succeeded,
      statusCode: outcome.statusCode,
      status: current?.status ?? 'failed',
      nextAttemptAt: current?.next_attempt_at ?? null,
      endpointDisabled: false,
    };
    // The endpoint (and its deliveries) was deleted while the request was in flight.
    if (!current) return report;
    await insertDeliveryAttempt(trx, {
      merchant_id: delivery.merchant_id,
      delivery_id: delivery.delivery_id,
      attempt_number: attemptNumber,
      trigger: reserved.trigger,
      started_at: a.startedAt,
      webhook_timestamp: a.timestampSec,
      duration_ms: outcome.durationMs,
      status_code: outcome.statusCode,
      response_body: outcome.responseBody,
      error: outcome.error,
      succeeded,
    });
    // A later attempt owns the delivery (this one outlived its lease): it decides the state.
    if (current.attempt_count !== attemptNumber) return report;

    const next = nextState(reserved, current, {
      succeeded,
      gone,
      at: finishedAt,
      random: a.random,
    });
    await updateWebhookDelivery(trx, delivery.merchant_id, delivery.delivery_id, {
      status: next.status,
      next_attempt_at: next.nextAttemptAt,
      lease_owner: null,
      last_attempt_at: a.startedAt,
      last_status_code: outcome.statusCode,
      last_error: outcome.error ?? (succeeded ? null : `answered HTTP ${outcome.statusCode}`),
      completed_at: next.status === 'pending' ? null : finishedAt,
    });
    report.status = next.status;
    report.nextAttemptAt = next.nextAttemptAt;
    if (gone)
      report.endpointDisabled = await disableEndpoint(
        trx,
        deps.clock,
        reserved.endpoint,
        `the endpoint answered 410 Gone at ${a.startedAt.toISOString()}`,
        finishedAt,
      );
    return report;
  });
}

function nextState(
  reserved: Reserved,
  current: WebhookDeliveryRow,
  r: { succeeded: boolean; gone: boolean; at: Date; random: () => number },
): { status: WebhookDeliveryRow['status']; nextAttemptAt: Date | null } {
  if (r.succeeded) return { status: 'succeeded', nextAttemptAt: null };
  // 410 Gone: the receiver says the endpoint no longer exists (Standard Webhooks guidance).
  if (r.gone) return { status: 'failed', nextAttemptAt: null };
  // A ping, or a replay of a finished delivery, is one attempt and nothing more.
  if (
    reserved.trigger === 'test' ||
    (reserved.trigger === 'replay' && reserved.statusBefore !== 'pending')
  )
    return { status: 'failed', nextAttemptAt: null };
  const plan = afterFailedAttempt(current.attempt_count, r.at, r.random);
  return plan.kind === 'retry'
    ? { status: 'pending', nextAttemptAt: plan.at }
    : { status: 'failed', nextAttemptAt: null };
}

/**
 * Disables an endpoint and tells the merchant with a `webhook_endpoint.disabled` event. Returns
 * false when it was already disabled. `at` is wall time; the event carries business time.
 */
export async function disableEndpoint(
  trx: Db,
  clock: Clock,
  endpoint: Pick<WebhookEndpointRow, 'merchant_id' | 'endpoint_id' | 'url'>,
  reason: string,
  at: Date,
): Promise<boolean> {
  const updated = await disableEnabledEndpoint(
    trx,
    endpoint.merchant_id,
    endpoint.endpoint_id,
    reason,
    at,
  );
  if (!updated) return false;
  await recordEvent(trx, {
    merchantId: endpoint.merchant_id,
    type: 'webhook_endpoint.disabled',
    occurredAt: await readMerchantNow(trx, endpoint.merchant_id, clock),
    data: { webhook_endpoint_id: endpoint.endpoint_id, url: endpoint.url, reason },
  });
  return true;
}
