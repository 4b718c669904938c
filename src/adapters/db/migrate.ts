// Plain numbered SQL migrations, applied in order, each in its own transaction, identical on
// PGlite and PostgreSQL. An advisory lock lets several processes start at once safely.
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { sql } from 'kysely';
import type { Db } from './connect.ts';

const MIGRATIONS_DIR = fileURLToPath(new URL('./migrations/', import.meta.url));
const LOCK_KEY = 74_201_001; // arbitrary, constant: "dunner migrations"

export type Migration = { version: number; name: string; sql: string };

export function listMigrations(): Migration[] {
  return readdirSync(MIGRATIONS_DIR)
    .filter((f) => /^\d{3}_[a-z0-9_]+\.sql$/.test(f))
    .sort()
    .map((file) => ({
      version: Number(file.slice(0, 3)),
      name: file.slice(4, -4),
      sql: readFileSync(MIGRATIONS_DIR + file, 'utf8'),
    }));
}

/** Applies pending migrations; returns the names it applied. */
export async function migrate(db: Db): Promise<string[]> {
  const applied: string[] = [];
  await db.transaction().execute(async (trx) => {
    await sql`SELECT pg_advisory_xact_lock(${LOCK_KEY})`.execute(trx);
    await sql`CREATE TABLE IF NOT EXISTS schema_migrations (
      version integer PRIMARY KEY, name text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())`.execute(
      trx,
    );
    const done = new Set(
      (await trx.selectFrom('schema_migrations').select('version').execute()).map((r) => r.version),
    );
    for (const m of listMigrations()) {
      if (done.has(m.version)) continue;
      for (const statement of splitStatements(m.sql)) await sql.raw(statement).execute(trx);
      await trx
        .insertInto('schema_migrations')
        .values({ version: m.version, name: m.name })
        .execute();
      applied.push(`${String(m.version).padStart(3, '0')}_${m.name}`);
    }
  });
  return applied;
}

/**
 * Splits a migration into single statements (the extended protocol, which PGlite's driver uses,
 * takes one at a time). A statement ends with a line ending in ";" outside a $$-quoted body.
 */
export function splitStatements(text: string): string[] {
  const statements: string[] = [];
  let current: string[] = [];
  let inDollarQuote = false;
  for (const line of text.split('\n')) {
    const code = line.replace(/--.*$/, '');
    if ((code.match(/\$\$/g) ?? []).length % 2 === 1) inDollarQuote = !inDollarQuote;
    current.push(line);
    if (!inDollarQuote && code.trimEnd().endsWith(';')) {
      statements.push(current.join('\n'));
      current = [];
    }
  }
  if (current.join('').trim() !== '') statements.push(current.join('\n'));
  return statements.filter((s) => s.replace(/--.*$/gm, '').trim() !== '');
}
