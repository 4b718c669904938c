-- The control group: a share of new cases runs its strategy at fixed step times, so the recovery
-- smart retries add is measured on the merchant's own cases (docs/metrics.md). Set at opening.
ALTER TABLE dunning_cases ADD COLUMN cohort text NOT NULL DEFAULT 'treatment'
  CHECK (cohort IN ('treatment', 'control'));
