import { defineConfig } from 'vitest/config';

// Unit tests sit beside the domain; integration and scenario tests need a database
// chosen by DUNNER_TEST_DB (pglite | postgres); browser tests drive headless Chromium against the
// app on PGlite. See scripts/test.mjs.
export default defineConfig({
  test: {
    projects: [
      { test: { name: 'unit', include: ['src/**/*.test.ts'] } },
      {
        test: {
          name: 'db',
          // test/postgres needs several connections to one server: it runs in the PostgreSQL pass.
          include: ['test/**/*.test.ts'],
          exclude: [
            'test/browser/**',
            ...(process.env.DUNNER_TEST_DB === 'postgres' ? [] : ['test/postgres/**']),
          ],
          globalSetup: ['test/support/global-setup.ts'],
          testTimeout: 120_000,
          hookTimeout: 120_000,
          fileParallelism: false,
        },
      },
      {
        test: {
          name: 'browser',
          include: ['test/browser/**/*.test.ts'],
          globalSetup: ['test/support/global-setup.ts'],
          testTimeout: 120_000,
          hookTimeout: 120_000,
          fileParallelism: false,
        },
      },
    ],
  },
});
