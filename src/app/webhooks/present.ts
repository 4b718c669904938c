// The API's JSON for endpoints and deliveries, with their response schemas. The signing secret
// appears only in the answers that create it (creation and rotation).
import type { WebhookEndpointRow } from '../../adapters/db/schema-webhooks.ts';
import type { DeliveryWithAttempts } from './deliveries.ts';

const iso = (d: Date | null): string | null => (d ? d.toISOString() : null);

const str = { type: 'string' } as const;
const nstr = { type: ['string', 'null'] } as const;
const int = { type: 'integer' } as const;
const nint = { type: ['integer', 'null'] } as const;
const time = { type: 'string', format: 'date-time' } as const;
const ntime = { type: ['string', 'null'], format: 'date-time' } as const;

export function presentEndpoint(row: WebhookEndpointRow) {
  return {
    id: row.endpoint_id,
    object: 'webhook_endpoint' as const,
    url: row.url,
    description: row.description,
    enabled_events: row.enabled_events,
    status: row.status,
    disabled_reason: row.disabled_reason,
    disabled_at: iso(row.disabled_at),
    previous_secret_expires_at:
      row.previous_secret_expires_at && row.previous_secret !== null
        ? row.previous_secret_expires_at.toISOString()
        : null,
    created_at: row.created_at.toISOString(),
    updated_at: row.updated_at.toISOString(),
  };
}

export function presentEndpointWithSecret(value: { endpoint: WebhookEndpointRow; secret: string }) {
  return { ...presentEndpoint(value.endpoint), secret: value.secret };
}

const endpointProperties = {
  id: str,
  object: { type: 'string', enum: ['webhook_endpoint'] },
  url: str,
  description: str,
  enabled_events: { type: 'array', items: str },
  status: { type: 'string', enum: ['enabled', 'disabled'] },
  disabled_reason: nstr,
  disabled_at: ntime,
  previous_secret_expires_at: {
    ...ntime,
    description:
      'After a rotation, until when the previous secret still signs alongside the new one.',
  },
  created_at: time,
  updated_at: time,
};

export const endpointSchema = {
  type: 'object',
  description: 'A URL that receives the merchant’s webhook events.',
  properties: endpointProperties,
  required: Object.keys(endpointProperties),
} as const;

export const endpointWithSecretSchema = {
  type: 'object',
  description: 'The endpoint with its signing secret, shown only in this answer: keep it.',
  properties: {
    ...endpointProperties,
    secret: {
      type: 'string',
      description: '`whsec_` + base64: the Standard Webhooks signing secret.',
    },
  },
  required: [...Object.keys(endpointProperties), 'secret'],
} as const;

export function presentDelivery(row: DeliveryWithAttempts) {
  return {
    id: row.delivery_id,
    object: 'webhook_delivery' as const,
    endpoint_id: row.endpoint_id,
    event_id: row.event_id === null ? null : `evt_${row.event_id}`,
    webhook_id: row.message_id,
    event_type: row.event_type,
    status: row.status,
    attempt_count: row.attempts.length,
    next_attempt_at: row.status === 'pending' ? iso(row.next_attempt_at) : null,
    last_attempt_at: iso(row.last_attempt_at),
    last_status_code: row.last_status_code,
    last_error: row.last_error,
    completed_at: iso(row.completed_at),
    created_at: row.created_at.toISOString(),
    payload: JSON.parse(row.body) as Record<string, unknown>,
    attempts: row.attempts.map((a) => ({
      attempt_number: a.attempt_number,
      trigger: a.trigger,
      started_at: a.started_at.toISOString(),
      webhook_timestamp: a.webhook_timestamp,
      duration_ms: a.duration_ms,
      status_code: a.status_code,
      response_body: a.response_body,
      error: a.error,
      succeeded: a.succeeded,
    })),
  };
}

const attemptProperties = {
  attempt_number: int,
  trigger: { type: 'string', enum: ['scheduled', 'replay', 'test'] },
  started_at: time,
  webhook_timestamp: { type: 'integer', description: 'The webhook-timestamp header sent.' },
  duration_ms: int,
  status_code: nint,
  response_body: { ...nstr, description: 'The first 2,048 characters of the answer.' },
  error: { ...nstr, description: 'Why no answer came (refused, timed out, …).' },
  succeeded: { type: 'boolean' },
};

const deliveryProperties = {
  id: str,
  object: { type: 'string', enum: ['webhook_delivery'] },
  endpoint_id: str,
  event_id: { ...nstr, description: 'The event delivered; null for a test ping.' },
  webhook_id: {
    type: 'string',
    description: 'The webhook-id header: the same on every retry and replay.',
  },
  event_type: str,
  status: { type: 'string', enum: ['pending', 'succeeded', 'failed'] },
  attempt_count: int,
  next_attempt_at: { ...ntime, description: 'When a pending delivery is tried next.' },
  last_attempt_at: ntime,
  last_status_code: nint,
  last_error: nstr,
  completed_at: ntime,
  created_at: time,
  payload: {
    type: 'object',
    description: 'The body sent: `{ type, timestamp, data }`.',
    additionalProperties: true,
  },
  attempts: {
    type: 'array',
    items: {
      type: 'object',
      properties: attemptProperties,
      required: Object.keys(attemptProperties),
    },
  },
};

export const deliverySchema = {
  type: 'object',
  description: 'One event sent to one endpoint, with every attempt.',
  properties: deliveryProperties,
  required: Object.keys(deliveryProperties),
} as const;
