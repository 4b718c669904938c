-- Smart timing may plan no retry for a step (no likely payday in its window, or the case's
-- retries are spent): that step then sends its message only. The step it was planned for, and why.
ALTER TABLE dunning_cases ADD COLUMN skip_retry_step integer, ADD COLUMN skip_retry_why text;
