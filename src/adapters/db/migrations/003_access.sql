-- Access to a merchant's data from outside: API keys, dashboard sessions, idempotent requests and
-- the customer's signed update links. Secrets are stored only as SHA-256 hashes.

CREATE TABLE api_keys (
  merchant_id   text NOT NULL REFERENCES merchants,
  key_id        text NOT NULL,
  mode          text NOT NULL CHECK (mode IN ('test', 'live')),
  -- The first characters of the key, shown in lists so an operator can tell keys apart.
  prefix        text NOT NULL,
  secret_hash   text NOT NULL,
  label         text NOT NULL DEFAULT '',
  created_at    timestamptz NOT NULL DEFAULT now(),
  last_used_at  timestamptz,
  revoked_at    timestamptz,
  PRIMARY KEY (merchant_id, key_id)
);
-- A key is looked up by its hash before the merchant is known.
CREATE UNIQUE INDEX api_keys_by_hash ON api_keys (secret_hash);

-- Operators who sign in to the dashboard with an email and password (scrypt hash).
CREATE TABLE operators (
  merchant_id    text NOT NULL REFERENCES merchants,
  operator_id    text NOT NULL,
  email          text NOT NULL,
  password_hash  text NOT NULL,
  created_at     timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (merchant_id, operator_id)
);
CREATE UNIQUE INDEX operators_by_email ON operators (lower(email));

-- Dashboard sessions: the cookie holds the secret, the table its hash.
CREATE TABLE sessions (
  merchant_id   text NOT NULL REFERENCES merchants,
  session_id    text NOT NULL,
  secret_hash   text NOT NULL,
  operator_id   text,
  key_id        text,
  created_at    timestamptz NOT NULL DEFAULT now(),
  expires_at    timestamptz NOT NULL,
  ended_at      timestamptz,
  PRIMARY KEY (merchant_id, session_id)
);
CREATE UNIQUE INDEX sessions_by_hash ON sessions (secret_hash);

-- A creating request sent again with the same Idempotency-Key replays the first response.
CREATE TABLE idempotent_requests (
  merchant_id    text NOT NULL REFERENCES merchants,
  key            text NOT NULL,
  method         text NOT NULL,
  path           text NOT NULL,
  request_hash   text NOT NULL,
  status_code    integer,
  response_body  text,
  created_at     timestamptz NOT NULL DEFAULT now(),
  completed_at   timestamptz,
  PRIMARY KEY (merchant_id, key)
);

-- Per-merchant secret that signs update links (generated on first use).
CREATE TABLE merchant_secrets (
  merchant_id       text PRIMARY KEY REFERENCES merchants,
  link_signing_key  text NOT NULL,
  created_at        timestamptz NOT NULL DEFAULT now()
);

-- Signed, expiring, single-purpose links to the hosted update page, one case each.
CREATE TABLE update_links (
  merchant_id       text NOT NULL,
  link_id           text NOT NULL,
  case_id           text NOT NULL,
  message_id        text,
  issued_at         timestamptz NOT NULL,
  expires_at        timestamptz NOT NULL,
  used_at           timestamptz,
  visits            integer NOT NULL DEFAULT 0,
  first_visited_at  timestamptz,
  last_visited_at   timestamptz,
  PRIMARY KEY (merchant_id, link_id),
  FOREIGN KEY (merchant_id, case_id) REFERENCES dunning_cases
);
CREATE INDEX update_links_by_case ON update_links (merchant_id, case_id);
CREATE INDEX update_links_by_message ON update_links (merchant_id, message_id) WHERE message_id IS NOT NULL;
