// openDatabase's observer sees every statement and transaction boundary, on PGlite and PostgreSQL.
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DatabaseEvent } from '../../src/adapters/db/observe.ts';
import { createTestDatabase, type TestDatabase } from '../support/db.ts';

const seen: DatabaseEvent[] = [];
let database: TestDatabase;
beforeAll(async () => {
  database = await createTestDatabase({ observe: (e) => seen.push(e) });
});
afterAll(() => database.drop());

describe('database observer', () => {
  it('counts a transaction as begin, its statements and commit', async () => {
    seen.length = 0;
    await database.db.transaction().execute(async (trx) => {
      await sql`SELECT 1`.execute(trx);
      await trx.selectFrom('merchants').select('merchant_id').execute();
    });
    expect(seen.map((e) => e.kind)).toEqual(['begin', 'statement', 'statement', 'commit']);
    expect(seen[2]?.sql).toMatch(/from "merchants"/);
  });

  it('a failed transaction ends in rollback; a statement outside one is a statement alone', async () => {
    seen.length = 0;
    await expect(
      database.db.transaction().execute(async (trx) => {
        await sql`SELECT 1`.execute(trx);
        throw new Error('abandon');
      }),
    ).rejects.toThrow('abandon');
    await sql`SELECT 2`.execute(database.db);
    expect(seen.map((e) => e.kind)).toEqual(['begin', 'statement', 'rollback', 'statement']);
  });
});
