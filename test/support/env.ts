import path from 'node:path';

/** Which database the integration tests run on: DUNNER_TEST_DB=pglite (default) or postgres. */
export function testDbKind(): 'pglite' | 'postgres' {
  const kind = process.env.DUNNER_TEST_DB ?? 'pglite';
  if (kind !== 'pglite' && kind !== 'postgres')
    throw new Error(`DUNNER_TEST_DB must be pglite or postgres (got ${kind})`);
  return kind;
}

/** A server database the tests may create and drop databases from. */
export function adminUrl(): string {
  return process.env.DUNNER_TEST_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
}

export function urlFor(database: string): string {
  const u = new URL(adminUrl());
  u.pathname = `/${database}`;
  return u.toString();
}

// One template per test run (named after the run's main process, which the global setup puts in
// the environment its workers inherit), so test runs started side by side never share one.
const RUN = process.env.DUNNER_TEST_RUN ?? String(process.pid);
export const PG_TEMPLATE_DB = `dunner_test_template_${RUN}`;
export const PGLITE_TEMPLATE_FILE = path.resolve(`test-output/pglite-template-${RUN}.tar`);
