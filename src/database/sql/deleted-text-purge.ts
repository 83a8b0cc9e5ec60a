import type { SqlEngine, SqlQueryable } from './sql-engine.js';

/**
 * Every table that holds text a client wrote or a model answered and that loses rows: by a
 * delete of its own, or with a thread, run or schedule it belongs to (`ON DELETE CASCADE`, and
 * migration 27's trigger for background runs). A thread's delete reaches its messages, runs,
 * background answers (`run_outputs`), background run records and their webhook notifications,
 * approval records and requests (tool inputs), suspended runs and calls, and kept answers; a
 * schedule's delete its prompt; a queued run leaves the queue (started or cancelled) with its
 * request. `test/deleted-text-tables.test.ts` fails when a table of the schema is in neither this
 * list nor `TABLES_WITHOUT_TEXT` nor `TABLES_KEPT`.
 */
export const TABLES_WITH_TEXT = [
  'threads',
  'thread_messages',
  'runs',
  'approvals',
  'approval_requests',
  'suspended_runs',
  'suspended_calls',
  'kept_answers',
  'run_outputs',
  'schedules',
  'queued_runs',
  'background_runs',
  'webhook_outbox',
] as const;

/**
 * Tables that hold text but never lose a row, so a purge has nothing of theirs to remove: the
 * budget ledger (append-only), heartbeat ticks, and the schema's version. Rewriting them at each
 * purge would cost in proportion to everything ever written.
 */
export const TABLES_KEPT = ['budget_ledger', 'heartbeat_ticks', 'schema_migrations'] as const;

/**
 * What makes a deleted row's bytes leave the data files of an embedded database. PostgreSQL
 * (and so PGlite) deletes by marking: the row stays in its table page until the page is
 * rewritten, and its insert stays in the write-ahead log until that segment is removed.
 * `VACUUM FULL` rewrites each table into new files (the old ones are emptied and unlinked), and
 * a checkpoint after switching to a new log segment lets the old segments go; with
 * `wal_recycle` off they are deleted rather than renamed for reuse with their old bytes.
 */
export async function purgeDeletedText(db: SqlQueryable): Promise<void> {
  await db.query(`VACUUM FULL ${TABLES_WITH_TEXT.join(', ')}`);
  await db.query('CHECKPOINT');
  await db.query('SELECT pg_switch_wal()');
  await db.query('CHECKPOINT');
}

/** How long after a delete the embedded engine purges, by default: deletes in a burst share one purge. */
export const DEFAULT_PURGE_DELAY_MS = 30_000;

/**
 * Tables whose rows hold no text a client wrote or a model answered (ids, amounts, times), so a
 * delete from them schedules no purge. The sole writer's budget batch deletes reservation rows
 * in every statement, one per 50 ms under load: when it counted, each 30 s of a busy budgeted
 * gateway ended in a purge (a `VACUUM FULL` of every table with text and two checkpoints), which
 * doubled the embedded server's CPU per chat for its 10 s (docs/PERFORMANCE.md).
 */
export const TABLES_WITHOUT_TEXT = [
  'budget_reservations',
  'budget_overrides',
  'budget_counters',
  'session_revocations',
  'schedule_fires',
] as const;

/**
 * A statement that deletes rows from a table that may hold text: the store's deletes are plain
 * `DELETE` or a `WITH` that deletes; one of its deletes from another table is enough.
 */
const DELETES = new RegExp(String.raw`\bDELETE\s+FROM\s+(?!(?:${TABLES_WITHOUT_TEXT.join('|')})\b)`, 'i');

/** Options of `purgeAfterDeletes`. */
export interface PurgeAfterDeletesOptions {
  /** Delay between the first delete of a burst and the purge. Default `DEFAULT_PURGE_DELAY_MS`. */
  delayMs?: number;
  /** Runs after each purge (the in-process engine tightens the modes of the files it created). */
  afterPurge?: () => Promise<void>;
  /** Receives a purge that failed (the next delete schedules another; close tries once more). */
  onError?: (error: unknown) => void;
}

/**
 * Wraps an embedded engine so that deleted text really leaves its files: a statement that
 * deleted rows schedules `purgeDeletedText` (once per burst, `delayMs` later), and `close()`
 * runs a pending purge before the engine closes. The purge runs between statements (the engine
 * serialises them), so it never sees a transaction half done.
 */
export function purgeAfterDeletes(engine: SqlEngine, options: PurgeAfterDeletesOptions = {}): SqlEngine {
  const delayMs = options.delayMs ?? DEFAULT_PURGE_DELAY_MS;
  let timer: NodeJS.Timeout | undefined;
  let pending = false;
  let running: Promise<void> | undefined;
  let closed: Promise<void> | undefined;
  const purge = (): Promise<void> => {
    if (timer !== undefined) clearTimeout(timer);
    timer = undefined;
    if (!pending) return running ?? Promise.resolve();
    pending = false;
    running = (async () => {
      try {
        await purgeDeletedText(engine);
        await options.afterPurge?.();
      } catch (error) {
        pending = true;
        options.onError?.(error);
      } finally {
        running = undefined;
      }
    })();
    return running;
  };
  const noteDelete = (text: string, rowCount: number): void => {
    if (closed !== undefined || !DELETES.test(text)) return;
    if (rowCount === 0 && !/^\s*WITH\b/i.test(text)) return;
    pending = true;
    if (timer === undefined) {
      timer = setTimeout(() => void purge(), delayMs);
      timer.unref();
    }
  };
  return {
    kind: engine.kind,
    location: engine.location,
    async query<Row>(text: string, params?: readonly unknown[], prepared?: string) {
      const result = await engine.query<Row>(text, params, prepared);
      noteDelete(text, result.rowCount);
      return result;
    },
    transaction: (work) =>
      engine.transaction((tx) =>
        work({
          async query<Row>(text: string, params?: readonly unknown[], prepared?: string) {
            const result = await tx.query<Row>(text, params, prepared);
            noteDelete(text, result.rowCount);
            return result;
          },
        }),
      ),
    close() {
      closed ??= (async () => {
        await purge().catch(() => undefined);
        await engine.close();
      })();
      return closed;
    },
  };
}
