// The HTTP app factory. Tests drive it through inject(); `dunner serve` calls listen().
import Fastify, { type FastifyInstance } from 'fastify';
import { sql } from 'kysely';
import type { Db } from '../../adapters/db/connect.ts';
import { listMigrations } from '../../adapters/db/migrate.ts';

export type AppDeps = {
  readonly db: Db;
  readonly databaseKind: 'pglite' | 'postgres';
  readonly logger?: boolean;
};

export type Readiness =
  | { ready: true }
  | { ready: false; reason: 'database_unavailable' | 'migrations_pending' };

// A readiness probe must answer promptly even when the database hangs.
const READY_TIMEOUT_MS = 3000;

export function buildApp(deps: AppDeps): FastifyInstance {
  const app = Fastify({ logger: deps.logger ?? false });
  const expectedVersions = listMigrations().map((m) => m.version);

  // Liveness: the process answers. It never touches the database, so a slow database does not
  // get a healthy process restarted.
  app.get('/health', async () => ({ status: 'ok' }));

  app.get('/ready', async (_request, reply) => {
    const readiness = await withTimeout(checkReadiness(deps.db, expectedVersions), {
      ready: false,
      reason: 'database_unavailable',
    });
    if (readiness.ready) return { status: 'ready', database: deps.databaseKind };
    return reply.code(503).send({ status: 'not_ready', reason: readiness.reason });
  });

  return app;
}

/** Ready: the database answers and every migration this build knows has been applied. */
export async function checkReadiness(db: Db, expectedVersions: number[]): Promise<Readiness> {
  try {
    await sql`SELECT 1`.execute(db);
  } catch {
    return { ready: false, reason: 'database_unavailable' };
  }
  try {
    const rows = await db.selectFrom('schema_migrations').select('version').execute();
    const applied = new Set(rows.map((r) => r.version));
    if (expectedVersions.some((v) => !applied.has(v)))
      return { ready: false, reason: 'migrations_pending' };
  } catch {
    // No schema_migrations table yet: nothing has been migrated.
    return { ready: false, reason: 'migrations_pending' };
  }
  return { ready: true };
}

function withTimeout<T>(work: Promise<T>, fallback: T): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<T>((resolve) => {
    timer = setTimeout(() => resolve(fallback), READY_TIMEOUT_MS);
  });
  return Promise.race([work, timeout]).finally(() => clearTimeout(timer));
}
