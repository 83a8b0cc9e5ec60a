import { access } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { GatewayError } from '../../core/errors.js';
import type { Logger } from '../../core/logger.js';
import type { DatabaseStores } from '../../core/database-stores.js';
import { databaseStoresOf } from '../../agent-spec/database-stores-of.js';
import {
  isGivenDatabase,
  isThreadStore,
  type DatabaseOption,
  type DatabaseSetting,
} from '../../agent-spec/database-option.js';
import { openDatabase } from './open-database.js';
import { DEFAULT_EMBEDDED_DIR } from '../../database/sql/open-thread-store.js';
import { startRetentionSweep, type RetentionSweep } from './retention-sweep.js';
import { createDeferredStartClock, type DueRunStart } from './deferred-start-clock.js';
import { createWriteRetries, type WriteRetries } from './write-retries.js';
import { ChurnMap } from '../../core/churn-map.js';
import { createDatabaseReadiness, type DatabaseUnreadiness } from './database-readiness.js';

/**
 * The app's database (`config.database`) as its routes and runs see it: configured or not, open
 * once the app started, closed (idempotently) when the app closes. A database handed in by the
 * caller (`DatabaseStores`, or a `ThreadStore` carrying the other stores, read as one) is used as
 * it is and left open: its owner closes it.
 */
export interface GatewayDatabase {
  /** Whether `server.database` names a database (the thread routes exist). */
  readonly configured: boolean;
  /** `server.maxThreadsPerOwner`: a chat or route creating one more thread gets 429. */
  readonly maxThreadsPerOwner?: number;
  /**
   * The open database's stores; undefined when none is configured or it is not open (yet, or any
   * more).
   */
  current(): DatabaseStores | undefined;
  /** Opens the configured database (once; later calls share the first). */
  open(logger: Logger, signal?: AbortSignal): Promise<void>;
  /** Closes a database the app opened, after the writes under way. Idempotent. */
  close(): Promise<void>;
  /**
   * Why the database cannot serve now, for readiness (`createDatabaseReadiness`): `migrations`
   * while opening waits for them (`migrate: false`), `database` while it is not open or does not
   * answer within `timeoutMs`; undefined when it can or none is configured.
   */
  unready(timeoutMs: number): Promise<DatabaseUnreadiness | undefined>;
  /**
   * Keeps track of a write to a thread (a run's messages at its end), so that the thread's next
   * chat on this instance reads the history after it and `close()` waits for it.
   */
  track(threadId: string, write: Promise<unknown>): void;
  /** Resolves once the tracked writes of `threadId` have settled. Never rejects. */
  settled(threadId: string): Promise<void>;
  /**
   * Keeps track of a run's start record that is written alongside the run (maybe later, see
   * `RUN_START_WRITE_DELAY_MS`), until `forgetRunStart`: what refers to the record on this
   * instance (an answer kept for the run, a read of it) goes through `runStarted`, which has it
   * written at once (`whenRecorded`).
   */
  trackRunStart(runId: string, start: DeferredRunStart): void;
  /** Stops tracking `start` (its write settled, or the run's end writes the whole record). */
  forgetRunStart(runId: string, start: DeferredRunStart): void;
  /**
   * A tracked start is due to be written at `dueAt` (ms since the epoch): one clock for all of
   * them has each written then, or up to `DEFERRED_START_TICK_MS` later (`writeIfDue`).
   */
  runStartDue(dueAt: number): void;
  /**
   * Has the start record of `runId` written now if this instance still holds it back, and
   * resolves once it has settled. Never rejects.
   */
  runStarted(runId: string): Promise<void>;
  /**
   * Keeps track of the write of a run's end (its record and its thread's new messages), which
   * goes on after the run let its session go: `runEnded` waits for it, and so does `close()`.
   */
  trackRunEnd(runId: string, write: Promise<unknown>): void;
  /** Resolves once the end of `runId` written here has settled. Never rejects. */
  runEnded(runId: string): Promise<void>;
  /** Retries of the writes that record runs, through an outage (see `createWriteRetries`). */
  readonly retries: WriteRetries;
}

/** A run's start record held back (`GatewayDatabase.trackRunStart`). */
export interface DeferredRunStart extends DueRunStart {
  /** Has the start written now if it is still held back; settles once it is (never rejects). */
  whenRecorded(): Promise<void>;
}

/**
 * Keeps, under `key`, a promise that settles (never rejects) when `write` does, and forgets it
 * then unless a later one took its place.
 */
function keepUntilSettled(kept: ChurnMap<string, Promise<void>>, key: string, write: Promise<unknown>): void {
  const forget = (): void => {
    if (kept.get(key) === settled) kept.delete(key);
  };
  const settled = write.then(forget, forget);
  kept.set(key, settled);
}

/** How long `close()` lets writes retried through an outage go on before giving them up. */
const CLOSE_RETRY_GRACE_MS = 5_000;

/** The absolute folder of an embedded database: a relative one is under the working directory. */
export const embeddedFolderOf = (option: 'embedded' | { embedded: { dir?: string | undefined } }): string =>
  resolve(option === 'embedded' ? DEFAULT_EMBEDDED_DIR : (option.embedded.dir ?? DEFAULT_EMBEDDED_DIR));

/**
 * Says, before an embedded database is opened for the first time in its folder, that it is being
 * created: PostgreSQL's first start there takes seconds (15 on a slow machine), which looked
 * like a hang. Later starts find the folder made (its `PG_VERSION`) and say nothing here.
 */
export async function announceEmbeddedDatabase(option: DatabaseOption, logger: Logger): Promise<void> {
  if (option !== 'embedded' && !('embedded' in option)) return;
  const folder = embeddedFolderOf(option);
  // Made by either engine: PGlite's files at the top, or the PostgreSQL server's cluster folder.
  const exists = (path: string): Promise<boolean> =>
    access(path).then(
      () => true,
      () => false,
    );
  const made =
    (await exists(join(folder, 'PG_VERSION'))) || (await exists(join(folder, 'postgres', 'PG_VERSION')));
  if (!made)
    logger.info(`creating the embedded database in ${folder} (first start only, it can take a while)`);
}

/**
 * How `server.database` reads in a start-up report: the engine, the absolute folder of the
 * embedded one (started from another folder, the gateway makes another, empty database), the
 * host and database of a PostgreSQL URL (never its password).
 */
export function describeDatabase(setting: DatabaseSetting | undefined): string {
  if (setting === undefined || setting === false) return 'none (threads off)';
  if (isThreadStore(setting)) return 'custom ThreadStore';
  if (isGivenDatabase(setting)) return 'custom database';
  if (setting === 'embedded') return `embedded (${embeddedFolderOf(setting)})`;
  if ('embedded' in setting) {
    const engine = setting.embedded.engine === undefined ? '' : `, ${setting.embedded.engine}`;
    return `embedded (${embeddedFolderOf(setting)}${engine})`;
  }
  try {
    const url = new URL(setting.postgres);
    return `postgres (${url.hostname}${url.port === '' ? '' : `:${url.port}`}${url.pathname})`;
  } catch {
    return 'postgres';
  }
}

/** `server.threadRetentionMs` and how the app's sweep runs. */
export interface ThreadRetention {
  retentionMs: number;
  intervalMs: number;
  /** Receives failed sweep rounds (the app's `onError`, else its log). */
  report: (error: unknown, where: string) => void;
  /** Threads per delete statement (default `RETENTION_SWEEP_BATCH`). */
  batchSize?: number;
}

/**
 * Creates the holder of `server.database`; nothing is opened before `open()`. With `retention`,
 * `open()` also starts the sweep that deletes threads idle past it, and `close()` stops it
 * before the database closes.
 */
export function createGatewayDatabase(
  setting: DatabaseSetting | undefined,
  retention?: ThreadRetention,
  report: (error: unknown, where: string) => void = retention?.report ?? (() => undefined),
  maxThreadsPerOwner?: number,
): GatewayDatabase {
  const retries = createWriteRetries({ report });
  const given = isGivenDatabase(setting) ? databaseStoresOf(setting) : undefined;
  const option: DatabaseOption | undefined =
    setting === undefined || setting === false || isGivenDatabase(setting) ? undefined : setting;
  let store: DatabaseStores | undefined = given;
  let opening: Promise<void> | undefined;
  let closing: Promise<void> | undefined;
  let sweep: RetentionSweep | undefined;
  let waitingForMigrations = false;
  // Ends a wait for someone else's migrations when the app closes first.
  const stopOpening = new AbortController();
  const writes = new ChurnMap<string, Promise<void>>();
  /** Run starts written alongside their runs, until they settle. */
  const runStarts = new ChurnMap<string, DeferredRunStart>();
  const startClock = createDeferredStartClock(() => runStarts.values());
  const runEnds = new ChurnMap<string, Promise<void>>();
  /** A tracked write about to be waited for: the store sends what it holds back now. */
  const pending = (write: Promise<void> | undefined): Promise<void> => {
    if (write === undefined) return Promise.resolve();
    void store?.threads.flushWrites?.();
    return write;
  };
  const startSweep = (logger: Logger): void => {
    if (retention === undefined || closing !== undefined) return;
    sweep = startRetentionSweep({
      store: () => (closing === undefined ? store?.threads : undefined),
      retentionMs: retention.retentionMs,
      intervalMs: retention.intervalMs,
      report: retention.report,
      onSwept: (deleted) =>
        logger.info('idle threads deleted', { deleted, retentionMs: retention.retentionMs }),
      ...(retention.batchSize === undefined ? {} : { batchSize: retention.batchSize }),
    });
  };

  const configured = given !== undefined || option !== undefined;
  const current = (): DatabaseStores | undefined => (closing === undefined ? store : undefined);
  return {
    configured,
    unready: createDatabaseReadiness({
      configured,
      current,
      waitingForMigrations: () => waitingForMigrations,
    }),
    ...(maxThreadsPerOwner === undefined ? {} : { maxThreadsPerOwner }),
    current,
    open(logger, signal) {
      opening ??= (async () => {
        if (option === undefined) {
          if (given === undefined && retention !== undefined) {
            logger.warn('server.threadRetentionMs has no effect without server.database');
          }
          if (given !== undefined) startSweep(logger);
          return;
        }
        if (closing !== undefined) throw new GatewayError('store_unavailable', 'the database is closed');
        await announceEmbeddedDatabase(option, logger);
        store = await openDatabase(option, {
          logger,
          signal: signal === undefined ? stopOpening.signal : AbortSignal.any([signal, stopOpening.signal]),
          onWaitingForMigrations: (databaseVersion, knownVersion) => {
            waitingForMigrations = true;
            logger.warn('waiting for the database migrations (server.database.migrate is false)', {
              databaseVersion,
              knownVersion,
            });
          },
        }).finally(() => {
          waitingForMigrations = false;
        });
        logger.info('database open', { database: describeDatabase(option) });
        startSweep(logger);
      })();
      return opening;
    },
    close() {
      closing ??= (async () => {
        stopOpening.abort();
        await opening?.catch(() => undefined);
        await sweep?.stop();
        startClock.stop();
        await retries.close(CLOSE_RETRY_GRACE_MS);
        void store?.threads.flushWrites?.();
        await Promise.all([...writes.values(), ...runEnds.values()]);
        if (option !== undefined) await store?.close();
      })();
      return closing;
    },
    track(threadId, write) {
      keepUntilSettled(writes, threadId, Promise.all([writes.get(threadId), write]));
    },
    settled: (threadId) => pending(writes.get(threadId)),
    trackRunStart(runId, start) {
      runStarts.set(runId, start);
    },
    forgetRunStart(runId, start) {
      if (runStarts.get(runId) === start) runStarts.delete(runId);
    },
    runStartDue: (dueAt) => startClock.due(dueAt),
    runStarted: (runId) => runStarts.get(runId)?.whenRecorded() ?? Promise.resolve(),
    trackRunEnd(runId, write) {
      keepUntilSettled(runEnds, runId, write);
    },
    runEnded: (runId) => pending(runEnds.get(runId)),
    retries,
  };
}
