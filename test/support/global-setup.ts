// Runs once per test run: migrates a template database that every test file clones, so each
// file starts from a clean, migrated database in about a second.
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import pg from 'pg';
import { openDatabase } from '../../src/adapters/db/connect.ts';
import { migrate } from '../../src/adapters/db/migrate.ts';
import { adminUrl, PG_TEMPLATE_DB, PGLITE_TEMPLATE_FILE, testDbKind, urlFor } from './env.ts';

export default async function setup(): Promise<() => Promise<void>> {
  process.env.DUNNER_TEST_RUN ??= String(process.pid);
  if (testDbKind() === 'postgres') {
    const admin = new pg.Client({ connectionString: adminUrl() });
    try {
      await admin.connect();
    } catch (error) {
      throw new Error(`PostgreSQL is not reachable at ${adminUrl()}: ${(error as Error).message}`);
    }
    await admin.query(`DROP DATABASE IF EXISTS ${PG_TEMPLATE_DB} WITH (FORCE)`);
    await admin.query(`CREATE DATABASE ${PG_TEMPLATE_DB}`);
    await admin.end();
    const handle = await openDatabase({ kind: 'postgres', url: urlFor(PG_TEMPLATE_DB) });
    await migrate(handle.db);
    await handle.close();
    return async () => {
      const a = new pg.Client({ connectionString: adminUrl() });
      await a.connect();
      await a.query(`DROP DATABASE IF EXISTS ${PG_TEMPLATE_DB} WITH (FORCE)`);
      await a.end();
    };
  }
  const handle = await openDatabase({ kind: 'pglite', dataDir: null });
  await migrate(handle.db);
  const dump = await handle.dump!();
  await handle.close();
  mkdirSync(path.dirname(PGLITE_TEMPLATE_FILE), { recursive: true });
  writeFileSync(PGLITE_TEMPLATE_FILE, Buffer.from(await dump.arrayBuffer()));
  return async () => rmSync(PGLITE_TEMPLATE_FILE, { force: true });
}
