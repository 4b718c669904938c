-- Outbound webhooks (Standard Webhooks). An event's outbox row fans out into one delivery per
-- matching endpoint; each delivery keeps every attempt. Times on deliveries and attempts are
-- wall time (the receiver's clock), not a test merchant's business time: docs/webhooks.md.

CREATE TABLE webhook_endpoints (
  merchant_id                 text NOT NULL REFERENCES merchants,
  endpoint_id                 text NOT NULL,
  url                         text NOT NULL,
  description                 text NOT NULL DEFAULT '',
  enabled_events              jsonb NOT NULL,
  status                      text NOT NULL CHECK (status IN ('enabled', 'disabled')),
  disabled_reason             text,
  disabled_at                 timestamptz,
  -- whsec_<base64>: kept in clear because every send signs with it; shown to the merchant once.
  secret                      text NOT NULL,
  -- After a rotation the previous secret signs alongside the new one until it expires.
  previous_secret             text,
  previous_secret_expires_at  timestamptz,
  created_at                  timestamptz NOT NULL,
  updated_at                  timestamptz NOT NULL,
  PRIMARY KEY (merchant_id, endpoint_id),
  CHECK ((status = 'disabled') = (disabled_at IS NOT NULL))
);

CREATE TABLE webhook_deliveries (
  merchant_id       text NOT NULL,
  delivery_id       text NOT NULL,
  -- Orders a merchant's deliveries for cursor pagination.
  seq               bigint GENERATED ALWAYS AS IDENTITY,
  endpoint_id       text NOT NULL,
  -- Null for a test ping, which has no event behind it.
  event_id          bigint,
  -- The webhook-id header: the same on every retry and replay, so receivers can deduplicate.
  message_id        text NOT NULL,
  event_type        text NOT NULL,
  -- The exact body signed and sent, identical on every attempt.
  body              text NOT NULL,
  status            text NOT NULL CHECK (status IN ('pending', 'succeeded', 'failed')),
  attempt_count     integer NOT NULL DEFAULT 0,
  -- When a pending delivery is next sent; while an attempt is in flight, when its lease ends.
  next_attempt_at   timestamptz,
  lease_owner       text,
  last_attempt_at   timestamptz,
  last_status_code  integer,
  last_error        text,
  completed_at      timestamptz,
  created_at        timestamptz NOT NULL,
  PRIMARY KEY (merchant_id, delivery_id),
  -- One delivery per (event, endpoint); pings have no event and NULLs never collide.
  UNIQUE (merchant_id, event_id, endpoint_id),
  FOREIGN KEY (merchant_id, endpoint_id) REFERENCES webhook_endpoints ON DELETE CASCADE,
  CHECK (status <> 'pending' OR next_attempt_at IS NOT NULL)
);
CREATE INDEX webhook_deliveries_due ON webhook_deliveries (next_attempt_at) WHERE status = 'pending';
CREATE INDEX webhook_deliveries_by_endpoint ON webhook_deliveries (merchant_id, endpoint_id, seq);

CREATE TABLE webhook_delivery_attempts (
  merchant_id        text NOT NULL,
  delivery_id        text NOT NULL,
  attempt_number     integer NOT NULL,
  trigger            text NOT NULL CHECK (trigger IN ('scheduled', 'replay', 'test')),
  started_at         timestamptz NOT NULL,
  -- The webhook-timestamp header sent (unix seconds), part of the signed content.
  webhook_timestamp  bigint NOT NULL,
  duration_ms        integer NOT NULL,
  status_code        integer,
  response_body      text,
  error              text,
  succeeded          boolean NOT NULL,
  PRIMARY KEY (merchant_id, delivery_id, attempt_number),
  FOREIGN KEY (merchant_id, delivery_id) REFERENCES webhook_deliveries ON DELETE CASCADE
);
