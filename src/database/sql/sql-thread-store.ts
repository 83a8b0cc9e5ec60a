import type { ThreadStore } from '../../core/thread-store.js';
import type { DatabaseStores } from '../../core/database-stores.js';
import { threadStoreCarrying, type CarriedStores } from '../carried-stores.js';
import type { SqlEngine } from './sql-engine.js';
import { createSqlSuspendedRunStore } from './sql-suspended-run-store.js';
import { createSqlBackgroundRunStore } from './sql-background-run-store.js';
import { createSqlQueuedRunStore } from './sql-queued-run-store.js';
import { createSqlHeartbeatTickStore } from './sql-heartbeat-ticks.js';
import { createSqlApprovalInboxStore } from './sql-approval-inbox-store.js';
import { createSqlScheduleStore } from './sql-schedule-store.js';
import { createHistoryCache } from './history-cache.js';
import { createHistoryTrust } from './history-trust.js';
import { watchEngineHealth } from './engine-health.js';
import type { SuspendedRunStore } from '../../core/suspended-run-store.js';
import { createSqlRunReads } from './sql-run-reads.js';
import { createSqlRunRecords } from './sql-run-records.js';
import { createSqlThreadHistory } from './sql-thread-history.js';
import { createSqlThreadRecords } from './sql-thread-records.js';
import { createSqlThreadMessages } from './sql-thread-messages.js';
import { changeThreadUnder } from './thread-changes.js';
import { quietPolls } from './sole-writer-polls.js';

/**
 * A thread store on SQL, which also says where its data lives. Only `createSqlThreadStore` and
 * `openThreadStore` give it the other stores to carry (the deprecated `CarriedStores`).
 */
export interface SqlThreadStore extends ThreadStore, CarriedStores {
  /** `embedded` (PGlite) or `postgres`. */
  readonly engine: 'embedded' | 'postgres';
  /** The data folder (embedded) or the database URL without its password, for the start-up report. */
  readonly location: string;
}

/** Options of `createSqlThreadStore`. */
export interface SqlThreadStoreOptions {
  /**
   * Most bytes of thread history (as JSON) this process keeps to read threads incrementally.
   * Default `DEFAULT_HISTORY_CACHE_BYTES`; 0 reads every history whole.
   */
  historyCacheBytes?: number;
  /**
   * This process is the database's only writer and this store its only user (the embedded
   * engine, whose data folder it locked, as `openThreadStore` opens it): a cached history that
   * saw every write since it was read answers a run's read without a statement, and the
   * pollers' reads skip the database while it holds nothing for them (`quietPolls`). Default false.
   */
  soleWriter?: boolean;
}

/** 64 MiB of cached histories by default. */
export const DEFAULT_HISTORY_CACHE_BYTES = 64 * 1024 * 1024;

/** The stores of one SQL database but its session revocations: its thread store and the others beside it. */
export type SqlStores = Omit<DatabaseStores, 'close' | 'ping' | 'sessionRevocations'> & {
  readonly threads: SqlThreadStore;
};

/**
 * The thread store over `given`, carrying the database's other stores in the deprecated shape
 * (`CarriedStores`), as `openThreadStore` returns it; `createSqlStores` gives them apart.
 */
export function createSqlThreadStore(
  given: SqlEngine,
  options: SqlThreadStoreOptions = {},
): SqlThreadStore & CarriedStores {
  const stores = createSqlStores(given, options);
  return threadStoreCarrying({ ...stores, close: () => stores.threads.close() });
}

/**
 * The thread store over one SQL dialect that PostgreSQL and PGlite both speak, and the stores
 * beside it. Every statement is parameterised; every client-caused read is scoped by owner in
 * its WHERE clause, so another owner's record reads exactly like a missing one. Migrations must
 * have run on `engine`. Composed of its threads (`sql-thread-records.ts`), their messages
 * (`sql-thread-messages.ts`), its runs (`sql-run-records.ts`, `sql-run-reads.ts`) and the
 * stores beside them.
 */
export function createSqlStores(given: SqlEngine, options: SqlThreadStoreOptions = {}): SqlStores {
  // A sole writer knows how its database is doing from its own statements.
  const watched = options.soleWriter === true ? watchEngineHealth(given) : undefined;
  const engine = watched?.engine ?? given;
  const cache = createHistoryCache({ maxBytes: options.historyCacheBytes ?? DEFAULT_HISTORY_CACHE_BYTES });
  const trust = createHistoryTrust(cache, options.soleWriter ?? false);
  const history = createSqlThreadHistory(engine, cache, trust);
  const changing = changeThreadUnder(trust);
  const suspendedRuns = createSqlSuspendedRunStore(engine);
  const polled = {
    // A suspension is part of what a run's read of its thread answers.
    suspendedRuns: {
      ...suspendedRuns,
      suspend: (...args: Parameters<SuspendedRunStore['suspend']>) =>
        changing(args[0].threadId, () => suspendedRuns.suspend(...args)),
    },
    backgroundRuns: createSqlBackgroundRunStore(engine),
    schedules: createSqlScheduleStore(engine),
    queuedRuns: createSqlQueuedRunStore(engine),
  };
  return {
    // Its pollers need not ask a database that only this process writes while it holds nothing for them.
    ...(options.soleWriter === true ? quietPolls(polled, engine) : polled),
    heartbeats: createSqlHeartbeatTickStore(engine),
    approvals: createSqlApprovalInboxStore(engine),
    threads: createSqlThreadStoreOver(engine, history, changing, watched),
  };
}

/** The thread store alone, over the engine, history and change tracking its stores share. */
function createSqlThreadStoreOver(
  engine: SqlEngine,
  history: ReturnType<typeof createSqlThreadHistory>,
  changing: ReturnType<typeof changeThreadUnder>,
  watched: ReturnType<typeof watchEngineHealth> | undefined,
): SqlThreadStore {
  return {
    engine: engine.kind,
    location: engine.location,
    ...createSqlThreadRecords(engine, changing),
    ...createSqlThreadMessages(engine, history, changing),
    ...createSqlRunRecords(engine, history.appending),
    ...createSqlRunReads(engine),
    ...(watched === undefined ? {} : { answeredRecently: watched.answeredRecently }),
    close: () => engine.close(),
  };
}
