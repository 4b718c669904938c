-- Password guessing: after 10 wrong passwords in a row an operator's sign-in is locked for 15
-- minutes; a correct one resets the count.
ALTER TABLE operators ADD COLUMN failed_sign_ins integer NOT NULL DEFAULT 0;
ALTER TABLE operators ADD COLUMN locked_until timestamptz;
