import type { DatabaseStores } from '../../core/database-stores.js';
import { databaseStoresOf } from '../../core/database-stores.js';
import type { SqlEngine } from './sql-engine.js';
import { createSqlSessionRevocationStore } from './sql-session-revocations.js';
import { createSqlThreadStore, type SqlThreadStore, type SqlThreadStoreOptions } from './sql-thread-store.js';

/** The stores of one SQL database, which also says where its data lives. */
export interface SqlDatabase extends DatabaseStores {
  /** The thread store, which carries the other stores too (`CarriedStores`). */
  readonly threads: SqlThreadStore;
  /** `embedded` (PGlite or the embedded server) or `postgres`. */
  readonly engine: 'embedded' | 'postgres';
  /** The data folder (embedded) or the database URL without its password, for the start-up report. */
  readonly location: string;
}

/**
 * The stores of the database on `engine`, as one aggregate: threads, suspended runs, background
 * runs, schedules, heartbeats, queued runs, the approval inbox and session revocations, all on the same engine and
 * closed with it. Migrations must have run on `engine`.
 */
export function createSqlDatabase(engine: SqlEngine, options: SqlThreadStoreOptions = {}): SqlDatabase {
  const threads = createSqlThreadStore(engine, options);
  return {
    ...databaseStoresOf(threads),
    sessionRevocations: createSqlSessionRevocationStore(engine),
    threads,
    engine: threads.engine,
    location: threads.location,
    ping: async () => {
      await engine.query('SELECT 1');
    },
  };
}
