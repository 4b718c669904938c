-- The merchant's Stripe publishable key (pk_…): the hosted update page gives it to Stripe.js so the
-- customer enters a new card in Stripe's own fields. Null: the page offers no card entry for Stripe.
ALTER TABLE stripe_accounts ADD COLUMN publishable_key text CHECK (publishable_key <> '');
