-- Failed charges reported by a merchant's own billing system (POST /v1/payment_failures), and
-- subscriptions whose renewals that system owns. Indexes for the case list and the metrics.

-- One row per external charge: a charge reported twice is applied once and answers the first result.
CREATE TABLE payment_failures (
  merchant_id         text NOT NULL,
  payment_failure_id  text NOT NULL,
  external_charge_id  text NOT NULL,
  subscription_id     text NOT NULL,
  charge_id           text NOT NULL,
  attempt_id          text NOT NULL,
  -- Null when the subscription was unpaid: the amount accrued without dunning.
  case_id             text,
  -- Whether this failure opened the case (false: it continued an open one, or accrued).
  opened_case         boolean NOT NULL,
  amount_minor        bigint NOT NULL CHECK (amount_minor > 0),
  currency            text NOT NULL,
  -- The decline exactly as reported (scheme, code, network fields), and how we read it.
  decline             jsonb NOT NULL,
  raw_code            text NOT NULL,
  category            text NOT NULL,
  classification      text NOT NULL,
  description         text,
  failed_at           timestamptz NOT NULL,
  created_at          timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (merchant_id, payment_failure_id),
  UNIQUE (merchant_id, external_charge_id),
  FOREIGN KEY (merchant_id, subscription_id) REFERENCES subscriptions,
  FOREIGN KEY (merchant_id, case_id) REFERENCES dunning_cases
);

-- 'external': the merchant's billing system renews the subscription and reports its failures;
-- Dunner never charges a renewal of it (no next_renewal_at) but still retries inside dunning.
ALTER TABLE subscriptions ADD COLUMN billing text NOT NULL DEFAULT 'dunner';
ALTER TABLE subscriptions ADD CONSTRAINT subscriptions_billing_check
  CHECK (billing IN ('dunner', 'external'));
ALTER TABLE subscriptions ADD CONSTRAINT subscriptions_external_never_renewed
  CHECK (billing = 'dunner' OR next_renewal_at IS NULL);

-- The case list pages newest first and filters by age.
CREATE INDEX dunning_cases_by_opened ON dunning_cases (merchant_id, opened_at DESC, case_id DESC);
-- A case's timeline reads its subscription's attempt events (a renewal's carries no case id), and
-- the metrics read each subscription's state changes up to a given time.
CREATE INDEX events_by_subscription ON events (merchant_id, subscription_id, occurred_at)
  WHERE subscription_id IS NOT NULL;
-- A case's messages in the outbox: the timeline reads which were canceled, and closing a case
-- cancels the undelivered ones.
CREATE INDEX outbox_messages_by_case ON outbox (merchant_id, case_id) WHERE topic = 'message';
