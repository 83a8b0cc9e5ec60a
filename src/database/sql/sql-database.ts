import type { DatabaseStores } from '../../core/database-stores.js';
import type { SqlEngine } from './sql-engine.js';
import { threadStoreCarrying } from '../carried-stores.js';
import { createSqlSessionRevocationStore } from './sql-session-revocations.js';
import { createSqlBudgetCounters } from './sql-budget-counters.js';
import { createSoleWriterBudgetCounters } from './sole-writer-budget-counters.js';
import { createSqlStores, type SqlThreadStore, type SqlThreadStoreOptions } from './sql-thread-store.js';

/** The stores of one SQL database, which also says where its data lives. */
export interface SqlDatabase extends DatabaseStores {
  /** The thread store (carrying the other stores too, in the deprecated shape `CarriedStores`). */
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
  const stores = createSqlStores(engine, options);
  // Its thread store still carries the others, for whoever hands `threads` on alone.
  const threads = threadStoreCarrying({ ...stores, close: () => stores.threads.close() });
  // A sole writer decides budgets in memory and commits them in batches; shared ones, in the database.
  const budgetCounters =
    options.soleWriter === true
      ? createSoleWriterBudgetCounters(engine, { dir: engine.location })
      : createSqlBudgetCounters(engine);
  return {
    ...stores,
    close: async () => {
      await budgetCounters.close();
      await threads.close();
    },
    sessionRevocations: createSqlSessionRevocationStore(engine),
    budgetCounters,
    threads,
    engine: threads.engine,
    location: threads.location,
    ping: async () => {
      await engine.query('SELECT 1');
    },
  };
}
