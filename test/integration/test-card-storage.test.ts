// No card number in any form is stored (SPEC section 9): a test card is kept as a token that names
// it and its last 4, like a real card. Migration 014 rewrites what earlier versions stored with the
// number in it, and a case carried over from them still charges the same card under the same key.
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { listMigrations, splitStatements } from '../../src/adapters/db/migrate.ts';
import { TEST_CARDS } from '../../src/adapters/gateways/test-gateway/cards.ts';
import { createWorld, day, type World } from '../support/world.ts';

let w: World;

beforeAll(async () => {
  w = await createWorld({ preset: 'gentle_30', start: day('2026-03-01') });
});
afterAll(async () => {
  await w.close();
});

const NUMBERS = Object.values(TEST_CARDS).map((c) => c.number);

/** Every row of the tables that hold a method's token or credential, as text. */
async function storedText(): Promise<string> {
  const tables = [
    'payment_methods',
    'payment_attempts',
    'test_gateway_charges',
    'events',
    'outbox',
  ];
  const parts: string[] = [];
  for (const t of tables) {
    const rows = await sql<{ r: string }>`SELECT t::text AS r FROM ${sql.table(t)} t`.execute(w.db);
    parts.push(...rows.rows.map((x) => x.r));
  }
  return parts.join('\n');
}

describe('test cards in the database', () => {
  test('a renewal declined on a test card leaves no test card number in any row', async () => {
    const sub = await w.subscribe({ card: 'generic_decline', periodStart: day('2026-02-01') });
    await w.advanceTo(day('2026-03-04'));
    const attempts = await w.db
      .selectFrom('payment_attempts')
      .select(['status', 'credential'])
      .where('subscription_id', '=', sub)
      .execute();
    expect(attempts.length).toBeGreaterThan(0);
    expect(attempts[0]!.status).toBe('failed');
    const text = await storedText();
    for (const number of NUMBERS) expect(text).not.toContain(number);
    expect(text).toContain('tok_test_generic_decline_');
  });

  test('migration 014 rewrites the older rows, and the case charges the same card under its key', async () => {
    const sub = await w.subscribe({ card: 'success', periodStart: day('2026-02-01') });
    const pm = await w.db
      .selectFrom('subscriptions')
      .innerJoin('payment_methods', (j) =>
        j
          .onRef('payment_methods.merchant_id', '=', 'subscriptions.merchant_id')
          .onRef('payment_methods.payment_method_id', '=', 'subscriptions.payment_method_id'),
      )
      .select(['payment_methods.payment_method_id', 'payment_methods.customer_id'])
      .where('subscriptions.subscription_id', '=', sub)
      .executeTakeFirstOrThrow();
    // As an earlier version stored it: the number in the token, the credential and the ledger.
    const oldToken = 'tok_test_4242424242424242';
    const oldFingerprint = `fp_test_${pm.customer_id}_4242424242424242`;
    await w.db
      .updateTable('payment_methods')
      .set({ gateway_token: oldToken, fingerprint: oldFingerprint })
      .where('payment_method_id', '=', pm.payment_method_id)
      .execute();
    await sql`INSERT INTO test_gateway_charges (merchant_id, idempotency_key, token, amount_minor, currency, outcome)
      VALUES (${w.merchantId}, 'key-from-before', ${oldToken}, 2000, 'USD', 'succeeded')`.execute(
      w.db,
    );

    const migration = listMigrations().find((m) => m.version === 14)!;
    await w.db.transaction().execute(async (trx) => {
      for (const statement of splitStatements(migration.sql)) await sql.raw(statement).execute(trx);
    });

    const row = await w.db
      .selectFrom('payment_methods')
      .select(['gateway_token', 'fingerprint', 'last4'])
      .where('payment_method_id', '=', pm.payment_method_id)
      .executeTakeFirstOrThrow();
    expect(row.gateway_token).toMatch(/^tok_test_success_[0-9a-f]{12}$/);
    expect(row.fingerprint).toBe(`fp_test_${pm.customer_id}_success`);
    expect(row.last4).toBe('4242');
    const ledger = await w.db
      .selectFrom('test_gateway_charges')
      .select('token')
      .where('idempotency_key', '=', 'key-from-before')
      .executeTakeFirstOrThrow();
    // The same token on both sides: a re-sent key is the same request, not a conflict.
    expect(ledger.token).toBe(row.gateway_token);
    const replay = await w.deps.gateway.charge({
      merchantId: w.merchantId,
      idempotencyKey: 'key-from-before',
      token: row.gateway_token,
      amountMinor: 2000,
      currency: 'USD',
      at: day('2026-03-01'),
    });
    expect(replay.kind).toBe('succeeded');
    const text = await storedText();
    for (const number of NUMBERS) expect(text).not.toContain(number);
  });
});
