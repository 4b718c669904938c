// Fair use of the embedded database's single thread.
import { setImmediate as yieldToEventLoop } from 'node:timers/promises';
import type { KyselyPlugin } from 'kysely';
import type { DatabaseHandle, Db } from './connect.ts';

/**
 * PGlite runs each query in WebAssembly on this thread and settles it without returning to the
 * event loop, so a busy worker would starve HTTP requests, timers and signals. Yielding once
 * after each query (a few microseconds) lets them in. A PostgreSQL socket yields by itself.
 */
export function fairDb(handle: DatabaseHandle): Db {
  return handle.kind === 'pglite' ? handle.db.withPlugin(yieldAfterEachQuery) : handle.db;
}

const yieldAfterEachQuery: KyselyPlugin = {
  transformQuery: (args) => args.node,
  transformResult: async (args) => {
    await yieldToEventLoop();
    return args.result;
  },
};
