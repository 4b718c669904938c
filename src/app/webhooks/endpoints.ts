// A merchant's webhook endpoints: where events go, which ones, and the secret that signs them.
// Each change is recorded as an event in the same transaction (webhook_endpoint.*).

import type { Db } from '../../adapters/db/connect.ts';
import { recordEvent } from '../../adapters/db/events.repo.ts';
import { findMerchant, lockMerchant, readMerchantNow } from '../../adapters/db/merchants.repo.ts';
import type { WebhookEndpointRow } from '../../adapters/db/schema-webhooks.ts';
import {
  countWebhookEndpoints,
  deleteWebhookEndpointRow,
  findWebhookEndpoint,
  findWebhookEndpointCursor,
  getWebhookEndpointRow,
  insertWebhookEndpoint,
  listWebhookEndpointPage,
  lockWebhookEndpoint,
  setWebhookEndpointColumns,
  updateWebhookEndpointReturning,
} from '../../adapters/db/webhooks.repo.ts';
import { newSigningSecret } from '../../adapters/webhooks/signing.ts';
import { checkEndpointUrl } from '../../domain/webhooks/endpoint-url.ts';
import { checkEnabledEvents } from '../../domain/webhooks/event-filter.ts';
import { PUBLIC_EVENT_TYPES } from '../../domain/webhooks/public-events.ts';
import { newId } from '../ids.ts';
import { outboundPolicy, refusalReason } from '../outbound-policy.ts';
import { fail, ok, type Result } from '../result.ts';
import { disableEndpoint, type WebhookDeps } from './send-delivery.ts';

/** Stripe's limit too: enough for every real system, and a bound on fan-out per event. */
export const MAX_ENDPOINTS_PER_MERCHANT = 16;
export const MAX_DESCRIPTION_LENGTH = 500;
/** After a rotation the previous secret keeps signing this long, so receivers can switch over. */
export const PREVIOUS_SECRET_TTL_MS = 24 * 60 * 60 * 1000;

export type EndpointWithSecret = { endpoint: WebhookEndpointRow; secret: string };

type Checked<T> = { ok: true; value: T } | { ok: false; error: ReturnType<typeof fail>['error'] };

function checkFilter(list: readonly string[]): Checked<string[]> {
  const checked = checkEnabledEvents(list, PUBLIC_EVENT_TYPES);
  if (checked.ok) return { ok: true, value: checked.enabledEvents };
  const field = checked.index === null ? 'enabled_events' : `enabled_events[${checked.index}]`;
  return fail('invalid_field', checked.why, field);
}

function checkDescription(description: string): Checked<string> {
  if (description.length > MAX_DESCRIPTION_LENGTH)
    return fail(
      'invalid_field',
      `description must be at most ${MAX_DESCRIPTION_LENGTH} characters`,
      'description',
    );
  return { ok: true, value: description };
}

/** Locks an endpoint for the rest of the transaction; undefined when the merchant has no such one. */
async function lockEndpoint(
  trx: Db,
  target: { merchantId: string; endpointId: string },
): Promise<WebhookEndpointRow | undefined> {
  return lockWebhookEndpoint(trx, target.merchantId, target.endpointId);
}

async function merchantMode(db: Db, merchantId: string): Promise<'test' | 'live' | null> {
  const m = await findMerchant(db, merchantId);
  return m?.mode ?? null;
}

export async function createWebhookEndpoint(
  deps: WebhookDeps,
  input: { merchantId: string; url: string; description?: string; enabledEvents: string[] },
): Promise<Result<EndpointWithSecret>> {
  const mode = await merchantMode(deps.db, input.merchantId);
  if (!mode) return fail('not_found', `no merchant ${input.merchantId}`, null);
  const url = checkEndpointUrl(input.url, outboundPolicy(deps.config, mode));
  if (!url.ok) return fail('invalid_field', refusalReason(url, mode, deps.config), 'url');
  const filter = checkFilter(input.enabledEvents);
  if (!filter.ok) return filter;
  const description = checkDescription(input.description ?? '');
  if (!description.ok) return description;

  return deps.db.transaction().execute(async (trx) => {
    // Locks the merchant row so two concurrent creations cannot both pass the limit.
    await lockMerchant(trx, input.merchantId);
    if ((await countWebhookEndpoints(trx, input.merchantId)) >= MAX_ENDPOINTS_PER_MERCHANT)
      return fail(
        'invalid_state',
        `a merchant has at most ${MAX_ENDPOINTS_PER_MERCHANT} webhook endpoints; delete one first`,
        null,
      );
    const now = deps.clock.now();
    const secret = newSigningSecret();
    const endpoint = await insertWebhookEndpoint(trx, {
      merchant_id: input.merchantId,
      endpoint_id: newId('we'),
      url: url.url,
      description: description.value,
      enabled_events: JSON.stringify(filter.value),
      status: 'enabled',
      secret,
      created_at: now,
      updated_at: now,
    });
    await recordEvent(trx, {
      merchantId: input.merchantId,
      type: 'webhook_endpoint.created',
      occurredAt: await readMerchantNow(trx, input.merchantId, deps.clock),
      data: {
        webhook_endpoint_id: endpoint.endpoint_id,
        url: endpoint.url,
        enabled_events: filter.value,
      },
    });
    return ok({ endpoint, secret });
  });
}

export async function getWebhookEndpoint(
  db: Db,
  merchantId: string,
  endpointId: string,
): Promise<Result<WebhookEndpointRow>> {
  const endpoint = await findWebhookEndpoint(db, merchantId, endpointId);
  return endpoint ? ok(endpoint) : fail('not_found', `no webhook endpoint ${endpointId}`, 'id');
}

/** Newest first; `startingAfter` is the last id of the previous page. */
export async function listWebhookEndpoints(
  db: Db,
  merchantId: string,
  page: { limit: number; startingAfter?: string },
): Promise<Result<WebhookEndpointRow[]>> {
  let cursor: { created_at: Date; endpoint_id: string } | undefined;
  if (page.startingAfter !== undefined) {
    cursor = await findWebhookEndpointCursor(db, merchantId, page.startingAfter);
    if (!cursor)
      return fail('invalid_field', 'starting_after is not a webhook endpoint id', 'starting_after');
  }
  const rows = await listWebhookEndpointPage(db, merchantId, cursor, page.limit + 1);
  return ok(rows);
}

export type EndpointChanges = {
  url?: string;
  description?: string;
  enabledEvents?: string[];
  status?: 'enabled' | 'disabled';
};

export async function updateWebhookEndpoint(
  deps: WebhookDeps,
  input: { merchantId: string; endpointId: string } & EndpointChanges,
): Promise<Result<WebhookEndpointRow>> {
  const mode = await merchantMode(deps.db, input.merchantId);
  if (!mode) return fail('not_found', `no merchant ${input.merchantId}`, null);
  let url: string | undefined;
  if (input.url !== undefined) {
    const checked = checkEndpointUrl(input.url, outboundPolicy(deps.config, mode));
    if (!checked.ok) return fail('invalid_field', refusalReason(checked, mode, deps.config), 'url');
    url = checked.url;
  }
  let enabledEvents: string[] | undefined;
  if (input.enabledEvents !== undefined) {
    const checked = checkFilter(input.enabledEvents);
    if (!checked.ok) return checked;
    enabledEvents = checked.value;
  }
  if (input.description !== undefined) {
    const checked = checkDescription(input.description);
    if (!checked.ok) return checked;
  }
  return deps.db.transaction().execute(async (trx) => {
    const existing = await lockEndpoint(trx, input);
    if (!existing) return fail('not_found', `no webhook endpoint ${input.endpointId}`, 'id');
    const now = deps.clock.now();
    const changed: string[] = [];
    if (url !== undefined && url !== existing.url) changed.push('url');
    if (input.description !== undefined && input.description !== existing.description)
      changed.push('description');
    if (
      enabledEvents !== undefined &&
      JSON.stringify(enabledEvents) !== JSON.stringify(existing.enabled_events)
    )
      changed.push('enabled_events');
    if (changed.length > 0) {
      await setWebhookEndpointColumns(trx, input.merchantId, input.endpointId, {
        ...(url !== undefined ? { url } : {}),
        ...(input.description !== undefined ? { description: input.description } : {}),
        ...(enabledEvents !== undefined ? { enabled_events: JSON.stringify(enabledEvents) } : {}),
        updated_at: now,
      });
      await recordEvent(trx, {
        merchantId: input.merchantId,
        type: 'webhook_endpoint.updated',
        occurredAt: await readMerchantNow(trx, input.merchantId, deps.clock),
        data: { webhook_endpoint_id: input.endpointId, changed },
      });
    }
    if (input.status === 'disabled' && existing.status === 'enabled')
      await disableEndpoint(
        trx,
        deps.clock,
        { ...existing, url: url ?? existing.url },
        'disabled by the merchant',
        now,
      );
    if (input.status === 'enabled' && existing.status === 'disabled') {
      // Deliveries still pending resume at once; events during the pause were not delivered.
      await setWebhookEndpointColumns(trx, input.merchantId, input.endpointId, {
        status: 'enabled',
        disabled_reason: null,
        disabled_at: null,
        updated_at: now,
      });
      await recordEvent(trx, {
        merchantId: input.merchantId,
        type: 'webhook_endpoint.enabled',
        occurredAt: await readMerchantNow(trx, input.merchantId, deps.clock),
        data: { webhook_endpoint_id: input.endpointId, url: url ?? existing.url },
      });
    }
    return ok(await getWebhookEndpointRow(trx, input.merchantId, input.endpointId));
  });
}

/** Deletes the endpoint with its deliveries and their attempts. */
export async function deleteWebhookEndpoint(
  deps: WebhookDeps,
  input: { merchantId: string; endpointId: string },
): Promise<Result<{ endpointId: string }>> {
  return deps.db.transaction().execute(async (trx) => {
    const deleted = await deleteWebhookEndpointRow(trx, input.merchantId, input.endpointId);
    if (!deleted) return fail('not_found', `no webhook endpoint ${input.endpointId}`, 'id');
    await recordEvent(trx, {
      merchantId: input.merchantId,
      type: 'webhook_endpoint.deleted',
      occurredAt: await readMerchantNow(trx, input.merchantId, deps.clock),
      data: { webhook_endpoint_id: deleted.endpoint_id, url: deleted.url },
    });
    return ok({ endpointId: deleted.endpoint_id });
  });
}

/**
 * A new signing secret. The previous one keeps signing for 24 h (both signatures in the header),
 * so receivers can switch without losing a message; a second rotation within that time drops
 * the oldest secret at once.
 */
export async function rotateWebhookEndpointSecret(
  deps: WebhookDeps,
  input: { merchantId: string; endpointId: string },
): Promise<Result<EndpointWithSecret>> {
  return deps.db.transaction().execute(async (trx) => {
    const existing = await lockEndpoint(trx, input);
    if (!existing) return fail('not_found', `no webhook endpoint ${input.endpointId}`, 'id');
    const now = deps.clock.now();
    const secret = newSigningSecret();
    const previousExpiresAt = new Date(now.getTime() + PREVIOUS_SECRET_TTL_MS);
    const endpoint = await updateWebhookEndpointReturning(trx, input.merchantId, input.endpointId, {
      secret,
      previous_secret: existing.secret,
      previous_secret_expires_at: previousExpiresAt,
      updated_at: now,
    });
    await recordEvent(trx, {
      merchantId: input.merchantId,
      type: 'webhook_endpoint.secret_rotated',
      occurredAt: await readMerchantNow(trx, input.merchantId, deps.clock),
      data: {
        webhook_endpoint_id: input.endpointId,
        previous_secret_expires_at: previousExpiresAt.toISOString(),
      },
    });
    return ok({ endpoint, secret });
  });
}
