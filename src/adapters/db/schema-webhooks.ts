// Row types of the tables in migrations/ that belong to this area; composed into Database in schema.ts.
import type { ColumnType, Generated, Selectable } from 'kysely';

type Json<T> = ColumnType<T, string, string>;

export type WebhookEndpointsTable = {
  merchant_id: string;
  endpoint_id: string;
  url: string;
  description: Generated<string>;
  enabled_events: Json<string[]>;
  status: 'enabled' | 'disabled';
  disabled_reason: string | null;
  disabled_at: Date | null;
  secret: string;
  previous_secret: string | null;
  previous_secret_expires_at: Date | null;
  created_at: Date;
  updated_at: Date;
};

export type WebhookDeliveriesTable = {
  merchant_id: string;
  delivery_id: string;
  seq: Generated<number>;
  endpoint_id: string;
  event_id: number | null;
  message_id: string;
  event_type: string;
  body: string;
  status: 'pending' | 'succeeded' | 'failed';
  attempt_count: Generated<number>;
  next_attempt_at: Date | null;
  lease_owner: string | null;
  last_attempt_at: Date | null;
  last_status_code: number | null;
  last_error: string | null;
  completed_at: Date | null;
  created_at: Date;
};

export type WebhookDeliveryAttemptsTable = {
  merchant_id: string;
  delivery_id: string;
  attempt_number: number;
  trigger: 'scheduled' | 'replay' | 'test';
  started_at: Date;
  webhook_timestamp: number;
  duration_ms: number;
  status_code: number | null;
  response_body: string | null;
  error: string | null;
  succeeded: boolean;
};

export type WebhooksTables = {
  webhook_endpoints: WebhookEndpointsTable;
  webhook_deliveries: WebhookDeliveriesTable;
  webhook_delivery_attempts: WebhookDeliveryAttemptsTable;
};

export type WebhookEndpointRow = Selectable<WebhookEndpointsTable>;
export type WebhookDeliveryRow = Selectable<WebhookDeliveriesTable>;
export type WebhookDeliveryAttemptRow = Selectable<WebhookDeliveryAttemptsTable>;
