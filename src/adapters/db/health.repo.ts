// What the readiness check asks the database.
import { sql } from 'kysely';
import type { Db } from './connect.ts';

/** Throws when the database does not answer. */
export async function pingDatabase(db: Db): Promise<void> {
  await sql`SELECT 1`.execute(db);
}

/** The migration versions applied; throws when nothing has been migrated yet. */
export async function listAppliedMigrations(db: Db): Promise<number[]> {
  const rows = await db.selectFrom('schema_migrations').select('version').execute();
  return rows.map((r) => r.version);
}
