import { GatewayError, GatewayErrorCode } from '../../core/errors.js';
import { consoleWarningLogger, type Logger } from '../../core/logger.js';
import { runMigrations } from './run-migrations.js';
import { waitForSchema } from './wait-for-schema.js';
import type { SqlEngine } from './sql-engine.js';
import type { SqlThreadStore } from './sql-thread-store.js';
import { createSqlDatabase, type SqlDatabase } from './sql-database.js';
import { threadStoreCarrying, type CarriedStores } from '../carried-stores.js';
import { failClosed } from './store-errors.js';
import type { EmbeddedEngineChoice } from './open-embedded-engine.js';

/**
 * Which database holds threads, runs and approvals:
 * - `'embedded'`: a PostgreSQL server the gateway starts and stops itself (the binaries come
 *   with the package), data in `./.agent-gateway/data` under the working directory; PGlite (in
 *   this process) where the server cannot run. Nothing to install or run; one process owns the
 *   folder (see `openEmbeddedEngine`).
 * - `{ embedded: { dir, engine } }`: the same, with the data in `dir`, and `engine` to choose
 *   `'postgres'` (no fallback) or `'pglite'`.
 * - `{ postgres: url }`: a PostgreSQL server (`postgres://user:password@host:5432/db`), shared by
 *   every instance of the gateway.
 *
 * `migrate: false` (object forms) leaves the schema to someone else (`agent-gateway migrate`, a
 * migration job): opening then waits until every migration this build knows is applied.
 */
export type DatabaseOption =
  | 'embedded'
  | {
      embedded: { dir?: string | undefined; engine?: EmbeddedEngineChoice | undefined };
      migrate?: boolean | undefined;
    }
  | { postgres: string; migrate?: boolean | undefined };

/** Where `'embedded'` keeps its data, relative to the working directory. */
export const DEFAULT_EMBEDDED_DIR = './.agent-gateway/data';

/** Options of `openThreadStore`. */
export interface OpenThreadStoreOptions {
  /** Where warnings go (an idle PostgreSQL connection that dropped). Default: console warnings. */
  logger?: Logger;
  /** Aborts opening: the engine is closed again and the call rejects with `aborted`. */
  signal?: AbortSignal;
  /** PostgreSQL: how long a call waits for a connection before it fails as `store_unavailable`. Default 5,000 ms. */
  connectTimeoutMs?: number;
  /** PostgreSQL: most connections of this instance's pool. Default 10 (4 for the embedded server). */
  maxConnections?: number;
  /**
   * With `migrate: false`: told once when the schema is behind this build, before the wait for
   * it (the app's readiness names `migrations` meanwhile).
   */
  onWaitingForMigrations?: (databaseVersion: number, knownVersion: number) => void;
}

const aborted = (): GatewayError =>
  new GatewayError(GatewayErrorCode.Aborted, 'opening the thread store was aborted');

/**
 * Opens the durable thread store on `option` (`openSqlDatabase`): the database's thread store,
 * carrying its other stores in the deprecated shape (`CarriedStores`); `openSqlDatabase` gives
 * them as one aggregate.
 */
export async function openThreadStore(
  option: DatabaseOption,
  options: OpenThreadStoreOptions = {},
): Promise<SqlThreadStore & CarriedStores> {
  return threadStoreCarrying(await openSqlDatabase(option, options));
}

/**
 * Opens the database on `option` as the aggregate of its stores and brings its schema up to
 * date (numbered migrations under a PostgreSQL advisory lock, so any number of instances may
 * start at once). Its `location` names the data folder or the database (password hidden) for
 * the start-up report. Rejects with `store_unavailable` when the database cannot be reached.
 */
export async function openSqlDatabase(
  option: DatabaseOption,
  options: OpenThreadStoreOptions = {},
): Promise<SqlDatabase> {
  const isAborted = (): boolean => options.signal?.aborted === true;
  if (isAborted()) throw aborted();
  const engine = await failClosed('open', () => openEngine(option, options));
  try {
    if (isAborted()) throw aborted();
    if (option !== 'embedded' && option.migrate === false) {
      await failClosed('schema', () =>
        waitForSchema(engine, { signal: options.signal, onWaiting: options.onWaitingForMigrations }),
      );
    } else {
      await failClosed('migrate', () => runMigrations(engine));
    }
    if (isAborted()) throw aborted();
  } catch (error) {
    await engine.close().catch(() => undefined);
    throw error;
  }
  // The embedded engine has locked its data folder: this store is its only writer.
  return createSqlDatabase(engine, { soleWriter: engine.kind === 'embedded' });
}

/**
 * Connects to the database `option` names, loading the driver of the chosen engine only (`pg`,
 * or PGlite's WebAssembly); nothing is migrated. The caller closes the engine.
 */
export async function openEngine(
  option: DatabaseOption,
  options: OpenThreadStoreOptions,
): Promise<SqlEngine> {
  if (option === 'embedded' || 'embedded' in option) {
    const { openEmbeddedEngine } = await import('./open-embedded-engine.js');
    const embedded = option === 'embedded' ? {} : option.embedded;
    return openEmbeddedEngine(embedded.dir ?? DEFAULT_EMBEDDED_DIR, {
      engine: embedded.engine,
      logger: options.logger ?? consoleWarningLogger,
      signal: options.signal,
      maxConnections: options.maxConnections,
    });
  }
  const { createPgEngine } = await import('./pg-engine.js');
  return createPgEngine(option.postgres, {
    logger: options.logger ?? consoleWarningLogger,
    ...(options.connectTimeoutMs === undefined ? {} : { connectTimeoutMs: options.connectTimeoutMs }),
    ...(options.maxConnections === undefined ? {} : { maxConnections: options.maxConnections }),
  });
}
