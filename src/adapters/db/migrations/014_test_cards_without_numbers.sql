-- Test cards are stored like real cards: a token that names the card and last 4, never the number
-- (SPEC section 9). Rewrites what earlier versions stored with the number in it: test tokens, the
-- credential (fingerprint) of test cards, and the attempts and test-gateway charges that copy them.
-- A token's new random part is derived from the old token, so a method and its charges still match.
CREATE TEMPORARY TABLE test_card_names (number text PRIMARY KEY, name text NOT NULL) ON COMMIT DROP;
INSERT INTO test_card_names VALUES
    ('4242424242424242', 'success'),
    ('5555555555554444', 'success_mastercard'),
    ('4000000000009995', 'insufficient_funds'),
    ('4000000000000069', 'expired'),
    ('4000000000009979', 'stolen'),
    ('4000002760003184', 'authentication_required'),
    ('4000000000000119', 'processing_error'),
    ('4000000000000002', 'generic_decline'),
    ('4000000000005126', 'insufficient_funds_until'),
    ('5105105105105100', 'mastercard_do_not_retry'),
    ('5200828282828210', 'mastercard_retry_after_24h'),
    ('4000000000000408', 'timeout');

UPDATE payment_methods pm
SET gateway_token = 'tok_test_' || n.name || '_' || substr(md5(pm.merchant_id || ':' || pm.gateway_token), 1, 12)
      || coalesce(substring(pm.gateway_token from '(_from_.*)$'), '')
FROM test_card_names n
WHERE pm.gateway_token ~ '^tok_test_[0-9]{12,19}' AND substring(pm.gateway_token from '^tok_test_([0-9]{12,19})') = n.number;

UPDATE test_gateway_charges c
SET token = 'tok_test_' || n.name || '_' || substr(md5(c.merchant_id || ':' || c.token), 1, 12)
      || coalesce(substring(c.token from '(_from_.*)$'), '')
FROM test_card_names n
WHERE c.token ~ '^tok_test_[0-9]{12,19}' AND substring(c.token from '^tok_test_([0-9]{12,19})') = n.number;

UPDATE payment_methods pm
SET fingerprint = left(pm.fingerprint, length(pm.fingerprint) - length(n.number)) || n.name
FROM test_card_names n
WHERE pm.fingerprint LIKE 'fp_test_%' AND right(pm.fingerprint, length(n.number) + 1) = '_' || n.number;

UPDATE payment_attempts a
SET credential = left(a.credential, length(a.credential) - length(n.number)) || n.name
FROM test_card_names n
WHERE a.credential LIKE '%fp_test_%' AND right(a.credential, length(n.number) + 1) = '_' || n.number;
