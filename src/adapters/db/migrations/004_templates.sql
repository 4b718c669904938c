-- Message templates a merchant has changed from the defaults (the defaults ship with the code, so
-- a merchant without a row here gets the current default). One row per message key.
CREATE TABLE message_templates (
  merchant_id  text NOT NULL REFERENCES merchants,
  key          text NOT NULL CHECK (key ~ '^[a-z][a-z0-9_]{0,63}$'),
  subject      text NOT NULL,
  html         text NOT NULL,
  text         text NOT NULL,
  -- Counts saves, so an editor can tell a template changed under it.
  revision     integer NOT NULL DEFAULT 1,
  created_at   timestamptz NOT NULL DEFAULT now(),
  updated_at   timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (merchant_id, key)
);

-- The merchant's HTML layout around every email body ({{ content }} marks the spot); none means
-- the default layout.
CREATE TABLE message_layouts (
  merchant_id  text NOT NULL REFERENCES merchants,
  html         text NOT NULL,
  revision     integer NOT NULL DEFAULT 1,
  created_at   timestamptz NOT NULL DEFAULT now(),
  updated_at   timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (merchant_id)
);
