// Row types of the message tables (migration 005): deliveries, provider attempts, customer
// channels and bounced addresses. Composed into Database in schema.ts.
import type { ColumnType, Generated, Selectable } from 'kysely';

type CreatedAt = ColumnType<Date, Date | string | undefined, never>;
type UpdatedAt = ColumnType<Date, Date | string | undefined, Date | string>;
type Json<T> = ColumnType<T, string | undefined, string>;

export const CHANNEL_KINDS = ['email', 'slack', 'discord', 'telegram', 'webhook'] as const;
export type ChannelKind = (typeof CHANNEL_KINDS)[number];

export const MESSAGE_STATUSES = [
  'queued',
  'deferred',
  'sent',
  'delivered',
  'bounced',
  'failed',
  'canceled',
  'stored',
] as const;
export type MessageStatus = (typeof MESSAGE_STATUSES)[number];

export type MessagesTable = {
  merchant_id: string;
  message_id: string;
  outbox_id: number;
  delivery: Generated<number>;
  case_id: string | null;
  subscription_id: string | null;
  customer_id: string;
  strategy_id: string | null;
  strategy_version: number | null;
  step: string;
  template: string;
  intent: string;
  hard_decline: Generated<boolean>;
  bcc: Generated<boolean>;
  details: Json<Record<string, unknown>>;
  channel: ChannelKind;
  to_address: string | null;
  from_address: string | null;
  bcc_address: string | null;
  subject: string | null;
  text_body: string | null;
  html_body: string | null;
  update_link_id: string | null;
  status: MessageStatus;
  dedupe_key: string;
  provider_id: string | null;
  attempts: Generated<number>;
  last_error: string | null;
  status_reason: string | null;
  deferred_until: Date | null;
  retry_at: Date | null;
  lease_owner: string | null;
  lease_until: Date | null;
  queued_at: Date;
  sent_at: Date | null;
  delivered_at: Date | null;
  bounced_at: Date | null;
  failed_at: Date | null;
  canceled_at: Date | null;
  stored_at: Date | null;
  created_at: CreatedAt;
  updated_at: UpdatedAt;
};

export type MessageAttemptsTable = {
  merchant_id: string;
  message_id: string;
  attempt: number;
  channel: ChannelKind;
  started_at: Date;
  finished_at: Date | null;
  outcome: 'accepted' | 'bounced' | 'rejected' | 'failed' | 'unknown' | null;
  provider_id: string | null;
  error: string | null;
};

export type CustomerChannelsTable = {
  merchant_id: string;
  customer_id: string;
  channel: ChannelKind;
  position: number;
  config: Json<Record<string, unknown>>;
  status: Generated<'active' | 'undeliverable'>;
  status_reason: string | null;
  status_changed_at: Date | null;
  created_at: CreatedAt;
  updated_at: UpdatedAt;
};

export type EmailSuppressionsTable = {
  merchant_id: string;
  address: string;
  reason: string;
  status_code: string | null;
  source: 'smtp' | 'dsn' | 'api';
  message_id: string | null;
  suppressed_at: Date;
  created_at: CreatedAt;
};

export type MessagesTables = {
  messages: MessagesTable;
  message_attempts: MessageAttemptsTable;
  customer_channels: CustomerChannelsTable;
  email_suppressions: EmailSuppressionsTable;
};

export type MessageRow = Selectable<MessagesTable>;
export type CustomerChannelRow = Selectable<CustomerChannelsTable>;
