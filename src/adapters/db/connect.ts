// One Kysely type for both backends: embedded PGlite (a data folder, or memory) or a PostgreSQL server.
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { promisify } from 'node:util';
import { PGlite } from '@electric-sql/pglite';
import { type Dialect, Kysely, PostgresDialect } from 'kysely';
import { PGliteDialect } from 'kysely-pglite-dialect';
import pg from 'pg';
import { type DatabaseObserver, observeDialect } from './observe.ts';
import type { Database } from './schema.ts';
import { transientDatabaseReason } from './transient.ts';

export type Db = Kysely<Database>;

/** Which database to open: PGlite in a data folder (null: in memory), or a PostgreSQL server. */
export type DatabaseConfig =
  | { kind: 'pglite'; dataDir: string | null }
  | { kind: 'postgres'; url: string };

export type DatabaseHandle = {
  readonly db: Db;
  readonly kind: 'pglite' | 'postgres';
  close(): Promise<void>;
  /** PGlite only: the whole data folder as a tarball, to start other instances from. */
  dump?: () => Promise<Blob | File>;
};

const INT8_OID = 20;
const NUMERIC_OID = 1700;
// bigint columns hold minor units and counts, far inside 2^53; read them as numbers.
const toNumber = (value: string) => Number(value);

export class DatabaseUnavailableError extends Error {
  override name = 'DatabaseUnavailableError';
}

export async function openDatabase(
  config: DatabaseConfig,
  options: {
    poolSize?: number;
    pgliteTemplate?: Blob;
    /** Told of every statement and transaction boundary sent (benchmarks count them). */
    observe?: DatabaseObserver;
    /** Wait while a PostgreSQL server is starting or unreachable, saying so, instead of failing. */
    waitForServer?: { signal: AbortSignal; log: (line: string) => void };
  } = {},
): Promise<DatabaseHandle> {
  const observed = (dialect: Dialect): Dialect =>
    options.observe ? observeDialect(dialect, options.observe) : dialect;
  if (config.kind === 'pglite') {
    if (config.dataDir) {
      mkdirSync(config.dataDir, { recursive: true });
      if (!options.pgliteTemplate) await initialiseDataDir(config.dataDir);
    }
    const client = await PGlite.create({
      ...(config.dataDir ? { dataDir: config.dataDir } : {}),
      // Starting from a dump of a migrated database skips initdb and migrations (tests).
      ...(options.pgliteTemplate ? { loadDataDir: options.pgliteTemplate } : {}),
      startParams: PGLITE_START_PARAMS,
      parsers: { [INT8_OID]: toNumber, [NUMERIC_OID]: toNumber },
    });
    const db = new Kysely<Database>({ dialect: observed(new PGliteDialect(client)) });
    return {
      db,
      kind: 'pglite',
      close: () => db.destroy(),
      dump: () => client.dumpDataDir('none'),
    };
  }
  const pool = new pg.Pool({
    connectionString: config.url,
    max: options.poolSize ?? 10,
    connectionTimeoutMillis: 5000,
    types: {
      getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
        oid === INT8_OID || oid === NUMERIC_OID
          ? toNumber
          : pg.types.getTypeParser(oid, format)) as typeof pg.types.getTypeParser,
    },
  });
  // An idle client that loses its server must not crash the process; the next query reports it.
  pool.on('error', () => {});
  const where = safeLocation(config.url);
  for (let tries = 0; ; tries++) {
    try {
      const client = await pool.connect();
      client.release();
      if (tries > 0)
        options.waitForServer?.log(`dunner: PostgreSQL at ${where} answers; starting.`);
      break;
    } catch (error) {
      // A server that is starting or out of reach for a moment is waited for, with backoff.
      const wait = options.waitForServer;
      const reason = transientDatabaseReason(error);
      if (wait && reason !== null && !wait.signal.aborted) {
        const waitMs = Math.min(LONGEST_WAIT_MS, FIRST_WAIT_MS * 2 ** tries);
        wait.log(
          `dunner: PostgreSQL at ${where} is not available (${reason}); trying again in ${waitMs / 1000} s.`,
        );
        await delay(waitMs, undefined, { signal: wait.signal }).catch(() => {});
        if (!wait.signal.aborted) continue;
      }
      await pool.end().catch(() => {});
      throw new DatabaseUnavailableError(
        `cannot connect to PostgreSQL at ${where}: ${(error as Error).message}`,
      );
    }
  }
  const db = new Kysely<Database>({ dialect: observed(new PostgresDialect({ pool })) });
  return { db, kind: 'postgres', close: () => db.destroy() };
}

// PGlite's default 160 MB of shared buffers is resident from the start (Postgres touches the whole
// pool); 32 MB holds the demo's hot pages and costs little speed, see docs/decisions/002-pglite-memory.md.
const FIRST_WAIT_MS = 250;
const LONGEST_WAIT_MS = 10_000;

const PGLITE_START_PARAMS = [...PGlite.defaultStartParams, '-c', 'shared_buffers=32MB'];

const run = promisify(execFile);

/**
 * Runs initdb for a new data folder in a short-lived child process. In-process it leaves ~500 MB
 * (a second Postgres instance, a tarball of the folder) that V8 frees late or never.
 */
export async function initialiseDataDir(dataDir: string): Promise<void> {
  if (existsSync(path.join(dataDir, 'PG_VERSION'))) return;
  const pglitePath = createRequire(import.meta.url).resolve('@electric-sql/pglite');
  // The WebAssembly module is compiled once and used by both instances initdb starts there.
  const script = `
    const { PGlite } = require(process.argv[1]);
    const wasm = require('node:path').join(require('node:path').dirname(process.argv[1]), 'pglite.wasm');
    WebAssembly.compile(require('node:fs').readFileSync(wasm))
      .then((pgliteWasmModule) => PGlite.create({ dataDir: process.argv[2], pgliteWasmModule }))
      .then((pg) => pg.close());`;
  try {
    await run(process.execPath, ['-e', script, pglitePath, dataDir], { maxBuffer: 16 * 2 ** 20 });
  } catch (error) {
    const stderr = (error as { stderr?: string }).stderr?.trim();
    throw new DatabaseUnavailableError(
      `cannot initialise the PGlite data folder ${dataDir}: ${stderr || (error as Error).message}`,
    );
  }
}

/** host:port/database of a URL, without credentials, for error messages. */
export function safeLocation(url: string): string {
  try {
    const u = new URL(url);
    return `${u.hostname || 'localhost'}:${u.port || '5432'}${u.pathname}`;
  } catch {
    return '(unparseable URL)';
  }
}
