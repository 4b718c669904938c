// Seeds N open dunning cases, or N renewals, all due at CLOCK, straight in SQL (seeding is not
// what a benchmark measures). For cases, even-numbered customers' cards succeed, odd ones decline.
import { sql } from 'kysely';
import type { DatabaseHandle } from '../src/adapters/db/connect.ts';
import { TEST_CARDS, tokenizeTestCard } from '../src/adapters/gateways/test-gateway/cards.ts';
import { systemClock } from '../src/app/clock.ts';
import { unwrap } from '../src/app/result.ts';
import { createMerchant } from '../src/app/use-cases/create-merchant.ts';

export const CLOCK = new Date('2026-02-08T09:00:00Z');

/** Writes N open cases due now, straight in SQL: seeding is not what is measured. */
export async function seedDueCases(h: DatabaseHandle, n: number): Promise<string> {
  const { merchantId } = unwrap(
    await createMerchant(
      { db: h.db, clock: systemClock },
      { name: 'Bench Co', mode: 'test', testClockAt: CLOCK, defaultPreset: 'gentle_30' },
    ),
  );
  const strategy = await h.db
    .selectFrom('strategies')
    .select(['strategy_id', 'current_version'])
    .where('merchant_id', '=', merchantId)
    .where('payment_method_type', '=', 'card')
    .executeTakeFirstOrThrow();
  const good = tokenizeTestCard(TEST_CARDS.success);
  const bad = tokenizeTestCard(TEST_CARDS.generic_decline);
  await sql`INSERT INTO customers (merchant_id, customer_id, name, email)
    SELECT ${merchantId}, 'cus_' || g, 'Customer ' || g, 'c' || g || '@example.com' FROM generate_series(1, ${n}) g`.execute(
    h.db,
  );
  await sql`INSERT INTO payment_methods (merchant_id, payment_method_id, customer_id, type, gateway, gateway_token, brand, network, fingerprint, last4)
    SELECT ${merchantId}, 'pm_' || g, 'cus_' || g, 'card', 'test', CASE WHEN g % 2 = 0 THEN ${good} ELSE ${bad} END, 'visa', 'visa', 'fp_' || g, '4242'
    FROM generate_series(1, ${n}) g`.execute(h.db);
  await sql`INSERT INTO subscriptions (merchant_id, subscription_id, customer_id, payment_method_id, product_name, price_minor, currency,
      billing_interval, interval_count, anchor_at, period_index, current_period_start, current_period_end, next_renewal_at, grace_days, state, balance_minor, past_due_since)
    SELECT ${merchantId}, 'sub_' || g, 'cus_' || g, 'pm_' || g, 'Pro plan', 1900, 'USD', 'month', 1,
      timestamptz '2026-01-05 09:00Z', 1, timestamptz '2026-02-05 09:00Z', timestamptz '2026-03-05 09:00Z', timestamptz '2026-03-05 09:00Z', 3, 'past_due', 1900, timestamptz '2026-02-05 09:00Z'
    FROM generate_series(1, ${n}) g`.execute(h.db);
  await sql`INSERT INTO charges (merchant_id, charge_id, subscription_id, kind, description, amount_minor, currency, status, case_id)
    SELECT ${merchantId}, 'ch_' || g, 'sub_' || g, 'renewal', 'Pro plan', 1900, 'USD', 'failed', 'case_' || g FROM generate_series(1, ${n}) g`.execute(
    h.db,
  );
  await sql`INSERT INTO dunning_cases (merchant_id, case_id, subscription_id, scope, payment_method_id, payment_method_type, strategy_id, strategy_version,
      status, opened_at, time_zone, step_index, last_category, next_action_at, amount_due_minor, currency)
    SELECT ${merchantId}, 'case_' || g, 'sub_' || g, 'subscription', 'pm_' || g, 'card', ${strategy.strategy_id}, ${strategy.current_version},
      'open', timestamptz '2026-02-05 09:00Z', 'UTC', 1, 'generic', timestamptz '2026-02-08 09:00Z', 1900, 'USD'
    FROM generate_series(1, ${n}) g`.execute(h.db);
  return merchantId;
}

/**
 * Writes N active subscriptions whose period ends at CLOCK, for a merchant of their own: all fall
 * due at once, and every card succeeds, so each item drained is one renewal (no case opens).
 */
export async function seedDueRenewals(h: DatabaseHandle, n: number): Promise<string> {
  const { merchantId } = unwrap(
    await createMerchant(
      { db: h.db, clock: systemClock },
      { name: 'Bench Renewals Co', mode: 'test', testClockAt: CLOCK, defaultPreset: 'gentle_30' },
    ),
  );
  const good = tokenizeTestCard(TEST_CARDS.success);
  await sql`INSERT INTO customers (merchant_id, customer_id, name, email)
    SELECT ${merchantId}, 'cus_' || g, 'Customer ' || g, 'c' || g || '@example.com' FROM generate_series(1, ${n}) g`.execute(
    h.db,
  );
  await sql`INSERT INTO payment_methods (merchant_id, payment_method_id, customer_id, type, gateway, gateway_token, brand, network, fingerprint, last4)
    SELECT ${merchantId}, 'pm_' || g, 'cus_' || g, 'card', 'test', ${good}, 'visa', 'visa', 'fpr_' || g, '4242'
    FROM generate_series(1, ${n}) g`.execute(h.db);
  await sql`INSERT INTO subscriptions (merchant_id, subscription_id, customer_id, payment_method_id, product_name, price_minor, currency,
      billing_interval, interval_count, anchor_at, period_index, current_period_start, current_period_end, next_renewal_at, grace_days, state, balance_minor)
    SELECT ${merchantId}, 'sub_' || g, 'cus_' || g, 'pm_' || g, 'Pro plan', 1900, 'USD', 'month', 1,
      timestamptz '2026-01-08 09:00Z', 0, timestamptz '2026-01-08 09:00Z', timestamptz '2026-02-08 09:00Z', timestamptz '2026-02-08 09:00Z', 3, 'active', 0
    FROM generate_series(1, ${n}) g`.execute(h.db);
  return merchantId;
}
