-- Dunner core schema. Every table leads with merchant_id so the schema can be distributed by
-- merchant (Citus) and no query can reach across merchants by accident. Money: bigint minor units.

CREATE TABLE merchants (
  merchant_id        text PRIMARY KEY,
  name               text NOT NULL,
  mode               text NOT NULL CHECK (mode IN ('test', 'live')),
  test_clock_at      timestamptz,
  default_grace_days integer NOT NULL DEFAULT 3 CHECK (default_grace_days >= 0),
  from_address       text,
  bcc_address        text,
  support_contact    text,
  settings           jsonb NOT NULL DEFAULT '{}'::jsonb,
  created_at         timestamptz NOT NULL DEFAULT now(),
  CHECK (mode = 'test' OR test_clock_at IS NULL)
);

CREATE TABLE customers (
  merchant_id  text NOT NULL REFERENCES merchants,
  customer_id  text NOT NULL,
  name         text NOT NULL,
  email        text NOT NULL,
  locale       text NOT NULL DEFAULT 'en-US',
  time_zone    text NOT NULL DEFAULT 'UTC',
  created_at   timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (merchant_id, customer_id)
);

CREATE TABLE payment_methods (
  merchant_id        text NOT NULL,
  payment_method_id  text NOT NULL,
  customer_id        text NOT NULL,
  type               text NOT NULL CHECK (type IN ('card', 'ach', 'direct_debit', 'pay_link')),
  gateway            text NOT NULL,
  gateway_token      text NOT NULL,
  brand              text,
  last4              text,
  exp_month          integer,
  exp_year           integer,
  created_at         timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (merchant_id, payment_method_id),
  FOREIGN KEY (merchant_id, customer_id) REFERENCES customers
);

CREATE TABLE strategies (
  merchant_id          text NOT NULL REFERENCES merchants,
  strategy_id          text NOT NULL,
  name                 text NOT NULL,
  payment_method_type  text NOT NULL CHECK (payment_method_type IN ('card', 'ach', 'direct_debit', 'pay_link')),
  preset               text,
  is_default           boolean NOT NULL DEFAULT false,
  current_version      integer NOT NULL,
  created_at           timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (merchant_id, strategy_id)
);
CREATE UNIQUE INDEX strategies_one_default ON strategies (merchant_id, payment_method_type) WHERE is_default;

-- Versions are immutable: a running case keeps the version it started with.
CREATE TABLE strategy_versions (
  merchant_id  text NOT NULL,
  strategy_id  text NOT NULL,
  version      integer NOT NULL,
  definition   jsonb NOT NULL,
  created_at   timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (merchant_id, strategy_id, version),
  FOREIGN KEY (merchant_id, strategy_id) REFERENCES strategies
);

CREATE TABLE subscriptions (
  merchant_id              text NOT NULL,
  subscription_id          text NOT NULL,
  customer_id              text NOT NULL,
  payment_method_id        text,
  primary_subscription_id  text,
  product_name             text NOT NULL,
  price_minor              bigint NOT NULL CHECK (price_minor >= 0),
  currency                 text NOT NULL CHECK (currency ~ '^[A-Z]{3}$'),
  billing_interval         text NOT NULL CHECK (billing_interval IN ('day', 'week', 'month', 'year')),
  interval_count           integer NOT NULL CHECK (interval_count >= 1),
  anchor_at                timestamptz NOT NULL,
  period_index             integer NOT NULL DEFAULT 0,
  current_period_start     timestamptz NOT NULL,
  current_period_end       timestamptz NOT NULL,
  next_renewal_at          timestamptz,
  auto_renew               boolean NOT NULL DEFAULT true,
  grace_days               integer NOT NULL CHECK (grace_days >= 0),
  state                    text NOT NULL CHECK (state IN ('active', 'past_due', 'unpaid', 'canceled')),
  balance_minor            bigint NOT NULL DEFAULT 0,
  past_due_since           timestamptz,
  canceled_at              timestamptz,
  pending_attempt_id       text,
  lease_owner              text,
  lease_until              timestamptz,
  created_at               timestamptz NOT NULL DEFAULT now(),
  updated_at               timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (merchant_id, subscription_id),
  FOREIGN KEY (merchant_id, customer_id) REFERENCES customers,
  FOREIGN KEY (merchant_id, payment_method_id) REFERENCES payment_methods,
  FOREIGN KEY (merchant_id, primary_subscription_id) REFERENCES subscriptions
);
CREATE INDEX subscriptions_due ON subscriptions (next_renewal_at) WHERE next_renewal_at IS NOT NULL;
CREATE INDEX subscriptions_group ON subscriptions (merchant_id, primary_subscription_id) WHERE primary_subscription_id IS NOT NULL;

CREATE TABLE dunning_cases (
  merchant_id          text NOT NULL,
  case_id              text NOT NULL,
  subscription_id      text NOT NULL,
  -- 'group' when the failing subscription is a group primary: members follow the case.
  scope                text NOT NULL CHECK (scope IN ('subscription', 'group')),
  payment_method_id    text,
  payment_method_type  text NOT NULL,
  strategy_id          text NOT NULL,
  strategy_version     integer NOT NULL,
  status               text NOT NULL CHECK (status IN ('open', 'recovered', 'canceled', 'unpaid', 'stopped')),
  outcome_reason       text,
  opened_at            timestamptz NOT NULL,
  time_zone            text NOT NULL,
  step_index           integer NOT NULL DEFAULT 0,
  last_category        text,
  awaiting_new_method  boolean NOT NULL DEFAULT false,
  renewal_retry_at     timestamptz,
  next_action_at       timestamptz,
  amount_due_minor     bigint NOT NULL,
  currency             text NOT NULL,
  retries_made         integer NOT NULL DEFAULT 0,
  pending_attempt_id   text,
  lease_owner          text,
  lease_until          timestamptz,
  closed_at            timestamptz,
  created_at           timestamptz NOT NULL DEFAULT now(),
  updated_at           timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (merchant_id, case_id),
  FOREIGN KEY (merchant_id, subscription_id) REFERENCES subscriptions,
  FOREIGN KEY (merchant_id, strategy_id, strategy_version) REFERENCES strategy_versions
);
CREATE UNIQUE INDEX dunning_cases_one_open ON dunning_cases (merchant_id, subscription_id) WHERE status = 'open';
CREATE INDEX dunning_cases_due ON dunning_cases (next_action_at) WHERE status = 'open';

CREATE TABLE charges (
  merchant_id      text NOT NULL,
  charge_id        text NOT NULL,
  subscription_id  text NOT NULL,
  kind             text NOT NULL CHECK (kind IN ('renewal', 'component')),
  component_kind   text CHECK (component_kind IN ('quantity', 'on_off', 'prepaid', 'metered', 'usage')),
  description      text NOT NULL,
  amount_minor     bigint NOT NULL CHECK (amount_minor >= 0),
  currency         text NOT NULL,
  period_start     timestamptz,
  period_end       timestamptz,
  status           text NOT NULL CHECK (status IN ('pending', 'paid', 'failed', 'written_off', 'void')),
  case_id          text,
  paid_at          timestamptz,
  created_at       timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (merchant_id, charge_id),
  FOREIGN KEY (merchant_id, subscription_id) REFERENCES subscriptions
);
CREATE INDEX charges_by_subscription ON charges (merchant_id, subscription_id, status);

-- The idempotency key is committed here before the gateway is called, and reused on every re-send.
CREATE TABLE payment_attempts (
  merchant_id        text NOT NULL,
  attempt_id         text NOT NULL,
  subscription_id    text NOT NULL,
  case_id            text,
  payment_method_id  text,
  purpose            text NOT NULL CHECK (purpose IN ('renewal', 'retry', 'renewal_retry', 'component', 'manual')),
  amount_minor       bigint NOT NULL CHECK (amount_minor > 0),
  currency           text NOT NULL,
  idempotency_key    text NOT NULL,
  status             text NOT NULL CHECK (status IN ('pending', 'succeeded', 'failed')),
  sends              integer NOT NULL DEFAULT 0,
  raw_code           text,
  category           text,
  why                text,
  requested_at       timestamptz NOT NULL,
  completed_at       timestamptz,
  created_at         timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (merchant_id, attempt_id),
  UNIQUE (merchant_id, idempotency_key)
);
CREATE INDEX payment_attempts_by_case ON payment_attempts (merchant_id, case_id);

-- Append-only. occurred_at is business time (a test merchant's clock); recorded_at is wall time.
CREATE TABLE events (
  merchant_id      text NOT NULL,
  event_id         bigint GENERATED ALWAYS AS IDENTITY,
  type             text NOT NULL,
  subscription_id  text,
  case_id          text,
  data             jsonb NOT NULL DEFAULT '{}'::jsonb,
  occurred_at      timestamptz NOT NULL,
  recorded_at      timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (merchant_id, event_id)
);
CREATE INDEX events_by_case ON events (merchant_id, case_id, event_id) WHERE case_id IS NOT NULL;

-- Side effects (webhooks, customer messages) leave only through here, written in the same
-- transaction as the state change that caused them.
CREATE TABLE outbox (
  merchant_id   text NOT NULL,
  outbox_id     bigint GENERATED ALWAYS AS IDENTITY,
  topic         text NOT NULL CHECK (topic IN ('webhook', 'message')),
  event_id      bigint,
  case_id       text,
  dedupe_key    text NOT NULL,
  payload       jsonb NOT NULL,
  available_at  timestamptz NOT NULL,
  delivered_at  timestamptz,
  canceled_at   timestamptz,
  created_at    timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (merchant_id, outbox_id),
  UNIQUE (merchant_id, dedupe_key)
);
CREATE INDEX outbox_pending ON outbox (available_at) WHERE delivered_at IS NULL AND canceled_at IS NULL;

-- The built-in test gateway's own ledger, as a processor would keep it: one row per idempotency key.
CREATE TABLE test_gateway_charges (
  merchant_id         text NOT NULL,
  idempotency_key     text NOT NULL,
  token               text NOT NULL,
  amount_minor        bigint NOT NULL,
  currency            text NOT NULL,
  outcome             text NOT NULL,
  decline_code        text,
  request_count       integer NOT NULL DEFAULT 1,
  first_requested_at  timestamptz NOT NULL DEFAULT clock_timestamp(),
  last_requested_at   timestamptz NOT NULL DEFAULT clock_timestamp(),
  PRIMARY KEY (merchant_id, idempotency_key)
);
