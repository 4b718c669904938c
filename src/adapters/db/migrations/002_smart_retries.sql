-- Smart retries: network rules are enforced per payment credential (a card can back several
-- payment methods and subscriptions), so attempts record the credential and the network's advice.

ALTER TABLE payment_methods ADD COLUMN network text;
-- Same card, same fingerprint, whichever customer or subscription uses it.
ALTER TABLE payment_methods ADD COLUMN fingerprint text;
-- Set when the method's details change (card updater, customer): rules that wait for a new method reset.
ALTER TABLE payment_methods ADD COLUMN changed_at timestamptz;
UPDATE payment_methods SET fingerprint = payment_method_id WHERE fingerprint IS NULL;
ALTER TABLE payment_methods ALTER COLUMN fingerprint SET NOT NULL;

ALTER TABLE payment_attempts ADD COLUMN credential text;
ALTER TABLE payment_attempts ADD COLUMN network text;
ALTER TABLE payment_attempts ADD COLUMN visa_category integer;
ALTER TABLE payment_attempts ADD COLUMN advice jsonb;
ALTER TABLE payment_attempts ADD COLUMN max_representments integer;
ALTER TABLE payment_attempts ADD COLUMN representment_window_days integer;
CREATE INDEX payment_attempts_by_credential ON payment_attempts (merchant_id, credential, requested_at);

-- The time the current step's action is planned for (smart timing inside the step's window).
ALTER TABLE dunning_cases ADD COLUMN step_at timestamptz;
-- Quick follow-up retries after temporary errors, outside the step schedule.
ALTER TABLE dunning_cases ADD COLUMN quick_retry_at timestamptz;
ALTER TABLE dunning_cases ADD COLUMN quick_retries integer NOT NULL DEFAULT 0;
ALTER TABLE dunning_cases ADD COLUMN last_decline_at timestamptz;
-- Why an out-of-schedule retry is planned when it is not a renewal (e.g. "payment method updated").
ALTER TABLE dunning_cases ADD COLUMN renewal_retry_reason text;

-- Codes no table knew: classified as generic, counted so the tables can be extended.
CREATE TABLE unknown_decline_codes (
  merchant_id    text NOT NULL,
  scheme         text NOT NULL,
  code           text NOT NULL,
  seen           integer NOT NULL DEFAULT 1,
  first_seen_at  timestamptz NOT NULL DEFAULT now(),
  last_seen_at   timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (merchant_id, scheme, code)
);

ALTER TABLE payment_attempts DROP CONSTRAINT payment_attempts_purpose_check;
ALTER TABLE payment_attempts ADD CONSTRAINT payment_attempts_purpose_check
  CHECK (purpose IN ('renewal', 'retry', 'renewal_retry', 'quick_retry', 'component', 'manual'));

-- Pay cycles are learned from a customer's past payments, on every planned step.
CREATE INDEX subscriptions_by_customer ON subscriptions (merchant_id, customer_id);
CREATE INDEX payment_attempts_by_subscription ON payment_attempts (merchant_id, subscription_id, status);
