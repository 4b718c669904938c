// Counts what a Kysely dialect sends, for benchmarks: every statement, and the transaction
// boundaries among them. It wraps the driver's connections, so PGlite and pg are seen alike.
import type {
  CompiledQuery,
  DatabaseConnection,
  Dialect,
  Driver,
  QueryResult,
  TransactionSettings,
} from 'kysely';

export type DatabaseEvent = {
  readonly kind: 'statement' | 'begin' | 'commit' | 'rollback';
  readonly sql?: string;
  /** Which connection checkout sent it, numbered from 1: a transaction runs on one checkout. */
  readonly connection?: number;
};

export type DatabaseObserver = (event: DatabaseEvent) => void;

/** Kysely's drivers open and close transactions with plain statements on the connection. */
export function kindOfStatement(sql: string): DatabaseEvent['kind'] {
  const head = sql.trimStart().slice(0, 24).toLowerCase();
  if (head.startsWith('begin') || head.startsWith('start transaction')) return 'begin';
  if (head.startsWith('commit')) return 'commit';
  if (head.startsWith('rollback') && !/^rollback\s+to\b/.test(head)) return 'rollback';
  return 'statement';
}

export function observeDialect(dialect: Dialect, observe: DatabaseObserver): Dialect {
  return {
    createAdapter: () => dialect.createAdapter(),
    createQueryCompiler: () => dialect.createQueryCompiler(),
    createIntrospector: (db) => dialect.createIntrospector(db),
    createDriver: () => observeDriver(dialect.createDriver(), observe),
  };
}

function observeDriver(driver: Driver, observe: DatabaseObserver): Driver {
  const inner = new WeakMap<DatabaseConnection, DatabaseConnection>();
  const innerOf = (c: DatabaseConnection) => inner.get(c) ?? c;
  let connections = 0;
  return {
    init: () => driver.init(),
    async acquireConnection() {
      const connection = await driver.acquireConnection();
      const id = ++connections;
      const tell = (query: CompiledQuery) =>
        observe({ kind: kindOfStatement(query.sql), sql: query.sql, connection: id });
      const observed: DatabaseConnection = {
        executeQuery<R>(query: CompiledQuery): Promise<QueryResult<R>> {
          tell(query);
          return connection.executeQuery<R>(query);
        },
        streamQuery<R>(query: CompiledQuery, chunkSize?: number) {
          tell(query);
          return connection.streamQuery<R>(query, chunkSize);
        },
      };
      inner.set(observed, connection);
      return observed;
    },
    // The wrapped connection goes to the driver, so its own begin/commit statements are seen.
    beginTransaction: (c: DatabaseConnection, settings: TransactionSettings) =>
      driver.beginTransaction(c, settings),
    commitTransaction: (c) => driver.commitTransaction(c),
    rollbackTransaction: (c) => driver.rollbackTransaction(c),
    ...(driver.savepoint ? { savepoint: driver.savepoint.bind(driver) } : {}),
    ...(driver.rollbackToSavepoint
      ? { rollbackToSavepoint: driver.rollbackToSavepoint.bind(driver) }
      : {}),
    ...(driver.releaseSavepoint ? { releaseSavepoint: driver.releaseSavepoint.bind(driver) } : {}),
    releaseConnection: (c) => driver.releaseConnection(innerOf(c)),
    destroy: () => driver.destroy(),
  };
}
