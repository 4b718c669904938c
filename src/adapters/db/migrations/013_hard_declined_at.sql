-- When hard-decline dunning last sent its message for the case (the hard-declined automatic renewal
-- attempt). Set, it puts every update link of the case under SPEC section 4's rule: only while the
-- subscription is active or in grace; with no grace period, for 3 hours after that attempt.
ALTER TABLE dunning_cases ADD COLUMN hard_declined_at timestamptz;
