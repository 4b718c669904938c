-- The customer's latest successful payments (newest first, at most 24), kept on the customer so
-- learning their pay cycle reads one row instead of every attempt of every subscription they have.
ALTER TABLE customers ADD COLUMN payment_times timestamptz[] NOT NULL DEFAULT '{}';

UPDATE customers c SET payment_times = coalesce((
  SELECT array_agg(t ORDER BY t DESC) FROM (
    SELECT a.completed_at AS t FROM subscriptions s
    JOIN payment_attempts a ON a.merchant_id = s.merchant_id AND a.subscription_id = s.subscription_id
    WHERE s.merchant_id = c.merchant_id AND s.customer_id = c.customer_id
      AND a.status = 'succeeded' AND a.completed_at IS NOT NULL
    ORDER BY a.completed_at DESC LIMIT 24) latest), '{}');
