// A fresh, migrated database per test file: a PGlite instance loaded from the template dump, or
// a PostgreSQL database cloned from the template database.
import { readFileSync } from 'node:fs';
import pg from 'pg';
import { type DatabaseHandle, openDatabase } from '../../src/adapters/db/connect.ts';
import type { DatabaseObserver } from '../../src/adapters/db/observe.ts';
import { adminUrl, PG_TEMPLATE_DB, PGLITE_TEMPLATE_FILE, testDbKind, urlFor } from './env.ts';

export type TestDatabase = DatabaseHandle & {
  url: string | null;
  name: string | null;
  drop(): Promise<void>;
};

let counter = 0;

export async function createTestDatabase(
  options: { poolSize?: number; observe?: DatabaseObserver } = {},
): Promise<TestDatabase> {
  if (testDbKind() === 'pglite') {
    const template = new Blob([readFileSync(PGLITE_TEMPLATE_FILE)]);
    const handle = await openDatabase(
      { kind: 'pglite', dataDir: null },
      { pgliteTemplate: template, ...(options.observe ? { observe: options.observe } : {}) },
    );
    return { ...handle, url: null, name: null, drop: () => handle.close() };
  }
  const name = `dunner_t_${process.pid}_${Date.now().toString(36)}_${counter++}`;
  const admin = new pg.Client({ connectionString: adminUrl() });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name} TEMPLATE ${PG_TEMPLATE_DB}`);
  await admin.end();
  const url = urlFor(name);
  const handle = await openDatabase({ kind: 'postgres', url }, options);
  return {
    ...handle,
    url,
    name,
    drop: async () => {
      await handle.close();
      const a = new pg.Client({ connectionString: adminUrl() });
      await a.connect();
      await a.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await a.end();
    },
  };
}
