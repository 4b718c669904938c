// Row types of the tables in migrations/ that belong to this area; composed into Database in schema.ts.
import type { ColumnType, Generated } from 'kysely';

type CreatedAt = ColumnType<Date, Date | string | undefined, never>;
type UpdatedAt = ColumnType<Date, Date | string | undefined, Date | string>;
type Json<T> = ColumnType<T, string, string>;

export type StripeAccountsTable = {
  merchant_id: string;
  secret_key: string;
  webhook_secret: string;
  /** pk_…, given to Stripe.js on the hosted update page; null: no Stripe card entry there. */
  publishable_key: string | null;
  created_at: CreatedAt;
  updated_at: UpdatedAt;
};

export type StripeEventStatus = 'received' | 'applied' | 'skipped' | 'waiting';

export type StripeEventsTable = {
  merchant_id: string;
  event_id: string;
  type: string;
  object_id: string;
  event_created: Date;
  livemode: boolean;
  payload: Json<unknown>;
  status: StripeEventStatus;
  waiting_for: string | null;
  why: string | null;
  claimed_until: Date | null;
  deliveries: Generated<number>;
  received_at: CreatedAt;
  processed_at: Date | null;
};

export type StripeObjectVersionsTable = {
  merchant_id: string;
  object_key: string;
  event_created: Date;
  event_id: string;
  updated_at: UpdatedAt;
};

export type StripeSubscriptionLinksTable = {
  merchant_id: string;
  stripe_subscription_id: string;
  subscription_id: string;
  created_at: CreatedAt;
};

export type StripeTables = {
  stripe_accounts: StripeAccountsTable;
  stripe_events: StripeEventsTable;
  stripe_object_versions: StripeObjectVersionsTable;
  stripe_subscription_links: StripeSubscriptionLinksTable;
};
