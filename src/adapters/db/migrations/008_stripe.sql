-- Stripe: each merchant's keys, the inbound event log (one row per Stripe event id, so a
-- redelivered event is applied once), the newest event applied per Stripe object (so a late,
-- older event is skipped), and links from Stripe subscriptions to Dunner's. See docs/stripe.md.

CREATE TABLE stripe_accounts (
  merchant_id     text PRIMARY KEY REFERENCES merchants,
  secret_key      text NOT NULL CHECK (secret_key <> ''),
  webhook_secret  text NOT NULL CHECK (webhook_secret <> ''),
  created_at      timestamptz NOT NULL DEFAULT now(),
  updated_at      timestamptz NOT NULL DEFAULT now()
);

-- status: received (being applied; claimed_until guards against a concurrent delivery), applied,
-- skipped (superseded by a newer event, or nothing to change), waiting (about an object Dunner
-- does not know yet; waiting_for names it, and linking it replays the event).
CREATE TABLE stripe_events (
  merchant_id    text NOT NULL REFERENCES merchants,
  event_id       text NOT NULL,
  type           text NOT NULL,
  object_id      text NOT NULL,
  event_created  timestamptz NOT NULL,
  livemode       boolean NOT NULL,
  payload        jsonb NOT NULL,
  status         text NOT NULL CHECK (status IN ('received', 'applied', 'skipped', 'waiting')),
  waiting_for    text,
  why            text,
  claimed_until  timestamptz,
  deliveries     integer NOT NULL DEFAULT 1,
  received_at    timestamptz NOT NULL DEFAULT now(),
  processed_at   timestamptz,
  PRIMARY KEY (merchant_id, event_id)
);
CREATE INDEX stripe_events_waiting ON stripe_events (merchant_id, waiting_for) WHERE status = 'waiting';

-- object_key: invoice:<id>, payment_method:<id>, subscription_method:<Dunner subscription id>.
CREATE TABLE stripe_object_versions (
  merchant_id    text NOT NULL REFERENCES merchants,
  object_key     text NOT NULL,
  event_created  timestamptz NOT NULL,
  event_id       text NOT NULL,
  updated_at     timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (merchant_id, object_key)
);

CREATE TABLE stripe_subscription_links (
  merchant_id             text NOT NULL,
  stripe_subscription_id  text NOT NULL,
  subscription_id         text NOT NULL,
  created_at              timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (merchant_id, stripe_subscription_id),
  FOREIGN KEY (merchant_id, subscription_id) REFERENCES subscriptions
);

-- Card-updater and saved-method events find Dunner's methods by their Stripe token.
CREATE INDEX payment_methods_gateway_token ON payment_methods (merchant_id, gateway_token);
