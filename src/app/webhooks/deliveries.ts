// The delivery log of an endpoint, and the two ways a merchant sends by hand: replaying a
// delivery (same webhook-id and body, a new attempt) and a test ping.
import type { Db } from '../../adapters/db/connect.ts';
import type {
  WebhookDeliveryAttemptRow,
  WebhookDeliveryRow,
} from '../../adapters/db/schema-webhooks.ts';
import {
  findDeliverySeq,
  findWebhookDelivery,
  findWebhookEndpoint,
  getWebhookEndpointRow,
  insertWebhookDelivery,
  leaseDeliveryForReplay,
  listAttemptsOfDeliveries,
  listDeliveryPage,
  lockWebhookDelivery,
} from '../../adapters/db/webhooks.repo.ts';
import { publicEventSpec } from '../../domain/webhooks/public-events.ts';
import { newId } from '../ids.ts';
import { fail, ok, type Result } from '../result.ts';
import {
  type AttemptReport,
  type Reserved,
  type SendOptions,
  sendReserved,
  type WebhookDeps,
} from './send-delivery.ts';

export type DeliveryWithAttempts = WebhookDeliveryRow & { attempts: WebhookDeliveryAttemptRow[] };

/** A replay or a ping holds its delivery this long; the request itself times out well before. */
const MANUAL_LEASE_MS = 60_000;
export const PING_EVENT_TYPE = 'webhook_endpoint.pinged';

async function withAttempts(db: Db, rows: WebhookDeliveryRow[]): Promise<DeliveryWithAttempts[]> {
  if (rows.length === 0) return [];
  const attempts = await listAttemptsOfDeliveries(db, rows);
  return rows.map((r) => ({
    ...r,
    attempts: attempts.filter((a) => a.delivery_id === r.delivery_id),
  }));
}

/** Newest first, with every attempt; `startingAfter` is the last delivery id of the previous page. */
export async function listWebhookDeliveries(
  db: Db,
  input: {
    merchantId: string;
    endpointId: string;
    status?: WebhookDeliveryRow['status'];
    limit: number;
    startingAfter?: string;
  },
): Promise<Result<DeliveryWithAttempts[]>> {
  const endpoint = await findWebhookEndpoint(db, input.merchantId, input.endpointId);
  if (!endpoint) return fail('not_found', `no webhook endpoint ${input.endpointId}`, 'id');
  let cursorSeq: number | undefined;
  if (input.startingAfter !== undefined) {
    cursorSeq = await findDeliverySeq(db, input.merchantId, input.endpointId, input.startingAfter);
    if (cursorSeq === undefined)
      return fail(
        'invalid_field',
        'starting_after is not a delivery of this endpoint',
        'starting_after',
      );
  }
  const rows = await listDeliveryPage(db, {
    merchantId: input.merchantId,
    endpointId: input.endpointId,
    ...(input.status !== undefined ? { status: input.status } : {}),
    ...(cursorSeq !== undefined ? { beforeSeq: cursorSeq } : {}),
    limit: input.limit + 1,
  });
  return ok(await withAttempts(db, rows));
}

export async function getWebhookDelivery(
  db: Db,
  merchantId: string,
  deliveryId: string,
): Promise<Result<DeliveryWithAttempts>> {
  const row = await findWebhookDelivery(db, merchantId, deliveryId);
  if (!row) return fail('not_found', `no webhook delivery ${deliveryId}`, 'id');
  const [delivery] = await withAttempts(db, [row]);
  return ok(delivery!);
}

/**
 * Sends a delivery again now, with the same webhook-id and body, as a new attempt. A pending
 * delivery that fails keeps its retry schedule; a finished one takes the replay's outcome.
 */
export async function replayWebhookDelivery(
  deps: WebhookDeps,
  input: { merchantId: string; deliveryId: string },
  options: SendOptions = {},
): Promise<Result<{ delivery: DeliveryWithAttempts; attempt: AttemptReport }>> {
  const reserved = await deps.db.transaction().execute(async (trx): Promise<Result<Reserved>> => {
    const delivery = await lockWebhookDelivery(trx, input.merchantId, input.deliveryId);
    if (!delivery) return fail('not_found', `no webhook delivery ${input.deliveryId}`, 'id');
    const endpoint = await getWebhookEndpointRow(trx, input.merchantId, delivery.endpoint_id);
    if (endpoint.status !== 'enabled')
      return fail(
        'invalid_state',
        `the endpoint is disabled (${endpoint.disabled_reason ?? 'no reason recorded'}); enable it first`,
        'id',
      );
    const now = deps.clock.now();
    const leased = await leaseDeliveryForReplay(trx, input.merchantId, input.deliveryId, {
      owner: 'replay',
      until: new Date(now.getTime() + MANUAL_LEASE_MS),
    });
    return ok({
      delivery: leased,
      endpoint,
      attemptNumber: leased.attempt_count,
      trigger: 'replay',
      statusBefore: delivery.status,
    });
  });
  if (!reserved.ok) return reserved;
  const attempt = await sendReserved(deps, reserved.value, options);
  const delivery = await getWebhookDelivery(deps.db, input.merchantId, input.deliveryId);
  if (!delivery.ok) return delivery;
  return ok({ delivery: delivery.value, attempt });
}

/**
 * Sends a `webhook_endpoint.pinged` message to one endpoint now, whatever its filter or status,
 * so a merchant can check the URL and the signature. It is logged as a delivery, never retried.
 */
export async function sendTestWebhook(
  deps: WebhookDeps,
  input: { merchantId: string; endpointId: string },
  options: SendOptions = {},
): Promise<Result<{ delivery: DeliveryWithAttempts; attempt: AttemptReport }>> {
  const endpoint = await findWebhookEndpoint(deps.db, input.merchantId, input.endpointId);
  if (!endpoint) return fail('not_found', `no webhook endpoint ${input.endpointId}`, 'id');
  const now = deps.clock.now();
  const spec = publicEventSpec(PING_EVENT_TYPE)!;
  const body = JSON.stringify({
    type: spec.type,
    timestamp: now.toISOString(),
    data: {
      webhook_endpoint_id: endpoint.endpoint_id,
      message: 'Hello from Dunner: this endpoint receives signed webhooks.',
    },
  });
  const delivery = await insertWebhookDelivery(deps.db, {
    merchant_id: input.merchantId,
    delivery_id: newId('whd'),
    endpoint_id: endpoint.endpoint_id,
    event_id: null,
    message_id: newId('msg'),
    event_type: spec.type,
    body,
    status: 'pending',
    attempt_count: 1,
    next_attempt_at: new Date(now.getTime() + MANUAL_LEASE_MS),
    lease_owner: 'test',
    created_at: now,
  });
  const attempt = await sendReserved(
    deps,
    { delivery, endpoint, attemptNumber: 1, trigger: 'test', statusBefore: 'pending' },
    options,
  );
  const logged = await getWebhookDelivery(deps.db, input.merchantId, delivery.delivery_id);
  if (!logged.ok) return logged;
  return ok({ delivery: logged.value, attempt });
}
