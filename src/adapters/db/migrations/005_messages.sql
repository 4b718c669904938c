-- Customer messages leave the engine through the outbox (topic 'message'); the dispatcher moves each
-- one into `messages` and delivers it. One row per delivery of a message to one channel: a bounced
-- email that falls back to Slack is two rows of the same outbox item (delivery 0 and 1).

CREATE TABLE messages (
  merchant_id       text NOT NULL,
  message_id        text NOT NULL,
  outbox_id         bigint NOT NULL,
  delivery          integer NOT NULL DEFAULT 0,
  case_id           text,
  subscription_id   text,
  customer_id       text NOT NULL,
  strategy_id       text,
  strategy_version  integer,
  step              text NOT NULL,
  template          text NOT NULL,
  intent            text NOT NULL,
  hard_decline      boolean NOT NULL DEFAULT false,
  -- The step's BCC switch; bcc_address is what was actually used.
  bcc               boolean NOT NULL DEFAULT false,
  details           jsonb NOT NULL DEFAULT '{}'::jsonb,
  channel           text NOT NULL CHECK (channel IN ('email', 'slack', 'discord', 'telegram', 'webhook')),
  to_address        text,
  from_address      text,
  bcc_address       text,
  subject           text,
  text_body         text,
  html_body         text,
  update_link_id    text,
  status            text NOT NULL CHECK (status IN ('queued', 'deferred', 'sent', 'delivered', 'bounced', 'failed', 'canceled', 'stored')),
  -- The same on every attempt: the email's Message-ID, the webhook's idempotency key.
  dedupe_key        text NOT NULL,
  provider_id       text,
  attempts          integer NOT NULL DEFAULT 0,
  last_error        text,
  status_reason     text,
  -- Business time (contact rules) and wall time (backoff after a provider error).
  deferred_until    timestamptz,
  retry_at          timestamptz,
  lease_owner       text,
  lease_until       timestamptz,
  queued_at         timestamptz NOT NULL,
  sent_at           timestamptz,
  delivered_at      timestamptz,
  bounced_at        timestamptz,
  failed_at         timestamptz,
  canceled_at       timestamptz,
  stored_at         timestamptz,
  created_at        timestamptz NOT NULL DEFAULT now(),
  updated_at        timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (merchant_id, message_id),
  UNIQUE (merchant_id, outbox_id, delivery),
  UNIQUE (merchant_id, dedupe_key)
);
CREATE INDEX messages_pending ON messages (merchant_id, deferred_until) WHERE status IN ('queued', 'deferred');
CREATE INDEX messages_by_customer ON messages (merchant_id, customer_id, sent_at);
CREATE INDEX messages_by_case ON messages (merchant_id, case_id);
CREATE INDEX messages_by_time ON messages (merchant_id, created_at DESC, message_id DESC);
CREATE INDEX messages_email_sent ON messages (merchant_id, sent_at) WHERE channel = 'email';

-- Every call to a provider, written before the call: an attempt with no outcome was cut short
-- (crash or lost lease) and its message is sent again with the same dedupe key.
CREATE TABLE message_attempts (
  merchant_id   text NOT NULL,
  message_id    text NOT NULL,
  attempt       integer NOT NULL,
  channel       text NOT NULL,
  started_at    timestamptz NOT NULL,
  finished_at   timestamptz,
  outcome       text CHECK (outcome IN ('accepted', 'bounced', 'rejected', 'failed', 'unknown')),
  provider_id   text,
  error         text,
  PRIMARY KEY (merchant_id, message_id, attempt),
  FOREIGN KEY (merchant_id, message_id) REFERENCES messages
);

-- A customer's channels in order of preference. No row: email to customers.email.
CREATE TABLE customer_channels (
  merchant_id        text NOT NULL,
  customer_id        text NOT NULL,
  channel            text NOT NULL CHECK (channel IN ('email', 'slack', 'discord', 'telegram', 'webhook')),
  position           integer NOT NULL,
  config             jsonb NOT NULL DEFAULT '{}'::jsonb,
  status             text NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'undeliverable')),
  status_reason      text,
  status_changed_at  timestamptz,
  created_at         timestamptz NOT NULL DEFAULT now(),
  updated_at         timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (merchant_id, customer_id, channel),
  FOREIGN KEY (merchant_id, customer_id) REFERENCES customers
);

-- Addresses that bounced: no email goes to them again. Kept by address (lower case), so every
-- customer with the address is covered and a customer whose email changes is not.
CREATE TABLE email_suppressions (
  merchant_id     text NOT NULL,
  address         text NOT NULL,
  reason          text NOT NULL,
  status_code     text,
  source          text NOT NULL CHECK (source IN ('smtp', 'dsn', 'api')),
  message_id      text,
  suppressed_at   timestamptz NOT NULL,
  created_at      timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (merchant_id, address)
);
