// Turns due webhook outbox rows into deliveries: one per enabled endpoint whose filter accepts
// the event's public type. Claiming the rows, writing the deliveries and marking the rows
// delivered happen in one transaction, so a crash either does all of it or none of it.

import type { WebhookEndpointRow } from '../../adapters/db/schema-webhooks.ts';
import {
  insertEventDeliveries,
  listEnabledEndpointsOfMerchants,
  lockDueWebhookOutbox,
  markOutboxRowsDelivered,
} from '../../adapters/db/webhooks.repo.ts';
import { acceptsEvent } from '../../domain/webhooks/event-filter.ts';
import { toPublicEvent } from '../../domain/webhooks/public-events.ts';
import { newId } from '../ids.ts';
import type { WebhookDeps } from './send-delivery.ts';

export const webhookIdOfEvent = (eventId: number): string => `evt_${eventId}`;

/** Fans out up to `limit` due events; returns how many outbox rows it handled. */
export async function fanOutDueEvents(
  deps: WebhookDeps,
  limit: number,
  merchantId?: string,
): Promise<number> {
  const now = deps.clock.now();
  return deps.db.transaction().execute(async (trx) => {
    // Due on the merchant's business time: a test merchant's events wait for its test clock.
    // The event row is read rather than the outbox payload: an event's own data may hold a
    // `type` field that would shadow its type in the payload.
    const rows = await lockDueWebhookOutbox(trx, {
      now,
      limit,
      ...(merchantId !== undefined ? { merchantId } : {}),
    });
    if (rows.length === 0) return 0;

    const merchantIds = [...new Set(rows.map((r) => r.merchant_id))];
    const endpoints = await listEnabledEndpointsOfMerchants(trx, merchantIds);
    const byMerchant = new Map<string, WebhookEndpointRow[]>();
    for (const e of endpoints)
      byMerchant.set(e.merchant_id, [...(byMerchant.get(e.merchant_id) ?? []), e]);

    const deliveries = [];
    for (const row of rows) {
      const targets = byMerchant.get(row.merchant_id);
      if (!targets || row.event_id === null) continue;
      if (row.type === null || row.occurred_at === null) continue;
      const data = row.data ?? {};
      const event = toPublicEvent({
        type: row.type,
        occurredAt: row.occurred_at,
        fields: {
          ...data,
          subscription_id: row.subscription_id ?? data.subscription_id ?? null,
          case_id: row.case_id ?? data.case_id ?? null,
        },
      });
      if (!event) continue;
      const body = JSON.stringify(event);
      for (const endpoint of targets) {
        if (!acceptsEvent(endpoint.enabled_events, event.type)) continue;
        deliveries.push({
          merchant_id: row.merchant_id,
          delivery_id: newId('whd'),
          endpoint_id: endpoint.endpoint_id,
          event_id: row.event_id,
          message_id: webhookIdOfEvent(row.event_id),
          event_type: event.type,
          body,
          status: 'pending' as const,
          next_attempt_at: now,
          created_at: now,
        });
      }
    }
    if (deliveries.length > 0) await insertEventDeliveries(trx, deliveries);
    await markOutboxRowsDelivered(trx, rows, now);
    return rows.length;
  });
}
