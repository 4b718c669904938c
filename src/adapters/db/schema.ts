// Row types of the tables in migrations/; Kysely checks every query against them.
import type { ColumnType, Generated, Insertable, Selectable } from 'kysely';
import type { AccessTables } from './schema-access.ts';
import type { ApiTables } from './schema-api.ts';
import type { DashboardTables } from './schema-dashboard.ts';
import type { MessagesTables } from './schema-messages.ts';
import type { StripeTables } from './schema-stripe.ts';
import type { TemplatesTables } from './schema-templates.ts';
import type { WebhooksTables } from './schema-webhooks.ts';

type CreatedAt = ColumnType<Date, Date | string | undefined, never>;
type UpdatedAt = ColumnType<Date, Date | string | undefined, Date | string>;
type Json<T> = ColumnType<T, string, string>;

export type MerchantsTable = {
  merchant_id: string;
  name: string;
  mode: 'test' | 'live';
  test_clock_at: Date | null;
  default_grace_days: Generated<number>;
  from_address: string | null;
  bcc_address: string | null;
  support_contact: string | null;
  settings: ColumnType<Record<string, unknown>, string | undefined, string>;
  created_at: CreatedAt;
};

export type CustomersTable = {
  merchant_id: string;
  customer_id: string;
  name: string;
  email: string;
  locale: Generated<string>;
  time_zone: Generated<string>;
  /** Migration 011: latest successful payments, newest first, at most 24 (pay-cycle learning). */
  payment_times: Generated<Date[]>;
  created_at: CreatedAt;
};

export type PaymentMethodsTable = {
  merchant_id: string;
  payment_method_id: string;
  customer_id: string;
  type: 'card' | 'ach' | 'direct_debit' | 'pay_link';
  gateway: string;
  gateway_token: string;
  brand: string | null;
  last4: string | null;
  exp_month: number | null;
  exp_year: number | null;
  network: string | null;
  fingerprint: string;
  changed_at: Date | null;
  created_at: CreatedAt;
};

export type StrategiesTable = {
  merchant_id: string;
  strategy_id: string;
  name: string;
  payment_method_type: 'card' | 'ach' | 'direct_debit' | 'pay_link';
  preset: string | null;
  is_default: Generated<boolean>;
  current_version: number;
  created_at: CreatedAt;
};

export type StrategyVersionsTable = {
  merchant_id: string;
  strategy_id: string;
  version: number;
  definition: Json<unknown>;
  created_at: CreatedAt;
};

export type SubscriptionsTable = {
  merchant_id: string;
  subscription_id: string;
  customer_id: string;
  payment_method_id: string | null;
  primary_subscription_id: string | null;
  product_name: string;
  price_minor: number;
  currency: string;
  billing_interval: 'day' | 'week' | 'month' | 'year';
  interval_count: number;
  anchor_at: Date;
  period_index: Generated<number>;
  current_period_start: Date;
  current_period_end: Date;
  next_renewal_at: Date | null;
  auto_renew: Generated<boolean>;
  /** Migration 006: 'external' subscriptions are renewed by the merchant's billing, never here. */
  billing: Generated<'dunner' | 'external'>;
  grace_days: number;
  state: 'active' | 'past_due' | 'unpaid' | 'canceled';
  balance_minor: Generated<number>;
  past_due_since: Date | null;
  canceled_at: Date | null;
  pending_attempt_id: string | null;
  lease_owner: string | null;
  lease_until: Date | null;
  created_at: CreatedAt;
  updated_at: UpdatedAt;
};

export type DunningCasesTable = {
  merchant_id: string;
  case_id: string;
  subscription_id: string;
  scope: 'subscription' | 'group';
  payment_method_id: string | null;
  payment_method_type: 'card' | 'ach' | 'direct_debit' | 'pay_link';
  strategy_id: string;
  strategy_version: number;
  status: 'open' | 'recovered' | 'canceled' | 'unpaid' | 'stopped';
  outcome_reason: string | null;
  opened_at: Date;
  time_zone: string;
  step_index: Generated<number>;
  last_category: string | null;
  awaiting_new_method: Generated<boolean>;
  renewal_retry_at: Date | null;
  next_action_at: Date | null;
  amount_due_minor: number;
  currency: string;
  retries_made: Generated<number>;
  pending_attempt_id: string | null;
  step_at: Date | null;
  quick_retry_at: Date | null;
  quick_retries: Generated<number>;
  last_decline_at: Date | null;
  /** When hard-decline dunning last sent its message for this case; its links follow the 3-hour rule. */
  hard_declined_at: Date | null;
  renewal_retry_reason: string | null;
  /** The step smart timing planned no retry for (its message only), and why. */
  skip_retry_step: number | null;
  skip_retry_why: string | null;
  /** The control group runs the strategy at fixed step times (domain/experiment). */
  cohort: Generated<'treatment' | 'control'>;
  lease_owner: string | null;
  lease_until: Date | null;
  closed_at: Date | null;
  created_at: CreatedAt;
  updated_at: UpdatedAt;
};

export type ChargesTable = {
  merchant_id: string;
  charge_id: string;
  subscription_id: string;
  kind: 'renewal' | 'component';
  component_kind: 'quantity' | 'on_off' | 'prepaid' | 'metered' | 'usage' | null;
  description: string;
  amount_minor: number;
  currency: string;
  period_start: Date | null;
  period_end: Date | null;
  status: 'pending' | 'paid' | 'failed' | 'written_off' | 'void';
  case_id: string | null;
  paid_at: Date | null;
  created_at: CreatedAt;
};

export type PaymentAttemptsTable = {
  merchant_id: string;
  attempt_id: string;
  subscription_id: string;
  case_id: string | null;
  payment_method_id: string | null;
  purpose: 'renewal' | 'retry' | 'renewal_retry' | 'quick_retry' | 'component' | 'manual';
  amount_minor: number;
  currency: string;
  idempotency_key: string;
  status: 'pending' | 'succeeded' | 'failed';
  sends: Generated<number>;
  raw_code: string | null;
  category: string | null;
  why: string | null;
  credential: string | null;
  network: string | null;
  visa_category: number | null;
  advice: Json<unknown> | null;
  max_representments: number | null;
  representment_window_days: number | null;
  requested_at: Date;
  completed_at: Date | null;
  created_at: CreatedAt;
};

export type EventsTable = {
  merchant_id: string;
  event_id: Generated<number>;
  type: string;
  subscription_id: string | null;
  case_id: string | null;
  data: Json<Record<string, unknown>>;
  occurred_at: Date;
  recorded_at: CreatedAt;
};

export type OutboxTable = {
  merchant_id: string;
  outbox_id: Generated<number>;
  topic: 'webhook' | 'message';
  event_id: number | null;
  case_id: string | null;
  dedupe_key: string;
  payload: Json<Record<string, unknown>>;
  available_at: Date;
  delivered_at: Date | null;
  canceled_at: Date | null;
  created_at: CreatedAt;
};

export type TestGatewayChargesTable = {
  merchant_id: string;
  idempotency_key: string;
  token: string;
  amount_minor: number;
  currency: string;
  outcome: 'succeeded' | 'declined';
  decline_code: string | null;
  request_count: Generated<number>;
  first_requested_at: CreatedAt;
  last_requested_at: UpdatedAt;
};

export type UnknownDeclineCodesTable = {
  merchant_id: string;
  scheme: string;
  code: string;
  seen: Generated<number>;
  first_seen_at: CreatedAt;
  last_seen_at: UpdatedAt;
};

export type SchemaMigrationsTable = {
  version: number;
  name: string;
  applied_at: CreatedAt;
};

export type CoreTables = {
  merchants: MerchantsTable;
  customers: CustomersTable;
  payment_methods: PaymentMethodsTable;
  strategies: StrategiesTable;
  strategy_versions: StrategyVersionsTable;
  subscriptions: SubscriptionsTable;
  dunning_cases: DunningCasesTable;
  charges: ChargesTable;
  payment_attempts: PaymentAttemptsTable;
  events: EventsTable;
  outbox: OutboxTable;
  test_gateway_charges: TestGatewayChargesTable;
  unknown_decline_codes: UnknownDeclineCodesTable;
  schema_migrations: SchemaMigrationsTable;
};

/** Every table; each area keeps its row types in its own schema-<area>.ts. */
export type Database = CoreTables &
  AccessTables &
  ApiTables &
  DashboardTables &
  MessagesTables &
  StripeTables &
  TemplatesTables &
  WebhooksTables;

export type MerchantRow = Selectable<MerchantsTable>;
export type CustomerRow = Selectable<CustomersTable>;
export type PaymentMethodRow = Selectable<PaymentMethodsTable>;
export type SubscriptionRow = Selectable<SubscriptionsTable>;
export type CaseRow = Selectable<DunningCasesTable>;
export type AttemptRow = Selectable<PaymentAttemptsTable>;
export type NewEvent = Insertable<EventsTable>;
