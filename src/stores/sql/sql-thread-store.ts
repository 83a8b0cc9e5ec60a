import { randomBytes, randomInt } from 'node:crypto';
import { GatewayError, GatewayErrorCode } from '../../core/errors.js';
import { THREAD_LIMITS } from '../../core/thread-limits.js';
import type { Page, ThreadRecord, ThreadStore } from '../../core/thread-store.js';
import { checkThreadId, checkTitle, metadataJson } from './check-thread-input.js';
import { afterCursor, clampLimit, keysetPage } from './page-cursor.js';
import type { SqlEngine } from './sql-engine.js';
import { ownerCondition, ownerOf, THREAD_COLUMNS, toThread, type ThreadRow } from './sql-rows.js';
import { deleteIdleThreads } from './delete-idle-threads.js';
import { failClosed } from './store-errors.js';
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
import { createSqlRunRecords, serializeMessages } from './sql-run-records.js';
import { createSqlThreadHistory } from './sql-thread-history.js';
import { quietPolls } from './sole-writer-polls.js';

/** A thread store on SQL, which also says where its data lives. */
export interface SqlThreadStore extends ThreadStore {
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

/** A new unguessable thread id: `thr_` and 128 random bits in hex. */
export const newThreadId = (): string => `thr_${randomBytes(16).toString('hex')}`;

/**
 * The thread store over one SQL dialect that PostgreSQL and PGlite both speak. Every statement
 * is parameterised; every client-caused read is scoped by owner in its WHERE clause, so another
 * owner's record reads exactly like a missing one. Migrations must have run on `engine`.
 */
// eslint-disable-next-line max-lines-per-function -- 244 lines (every method of ThreadStore in one factory): to be split by concern
export function createSqlThreadStore(given: SqlEngine, options: SqlThreadStoreOptions = {}): SqlThreadStore {
  // A sole writer knows how its database is doing from its own statements.
  const watched = options.soleWriter === true ? watchEngineHealth(given) : undefined;
  const engine = watched?.engine ?? given;
  const cache = createHistoryCache({ maxBytes: options.historyCacheBytes ?? DEFAULT_HISTORY_CACHE_BYTES });
  const trust = createHistoryTrust(cache, options.soleWriter ?? false);
  const history = createSqlThreadHistory(engine, cache, trust);
  const readHistory = history.read;
  /**
   * Runs `work`, which may change what a read of `threadId` answers (its history, owner or
   * suspended run); of any thread with `all`; of none another read could hold when undefined.
   */
  const changing = async <Value>(
    threadId: string | null | undefined,
    work: () => Promise<Value>,
    all = false,
  ): Promise<Value> => {
    if (!all && (threadId === undefined || threadId === null)) return work();
    const done = trust.beginChange(all ? undefined : (threadId ?? undefined));
    try {
      return await work();
    } finally {
      done();
    }
  };
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
    approvalInbox: createSqlApprovalInboxStore(engine),
    engine: engine.kind,
    location: engine.location,

    createThread: (owner, init) =>
      failClosed('createThread', () =>
        changing(init.id, async () => {
          if (init.id !== undefined) checkThreadId(init.id);
          checkTitle(init.title);
          const metadata = metadataJson(init.metadata) ?? '{}';
          const now = Date.now();
          // A random first epoch: a thread deleted and created again under the same id never
          // matches what a process cached of the old one. The owner's cap is counted in the same
          // statement (on the owner index).
          const cap = init.maxThreadsOfOwner ?? null;
          const where = ownerCondition(owner, 9);
          const created = await engine.query<ThreadRow>(
            `INSERT INTO threads (id, api_key_hash, user_id, title, metadata, created_at, updated_at,
             history_epoch, tenant_key)
           SELECT $1::text, $2::text, $3::text, $4::text, $5::jsonb, $6::bigint, $6::bigint, $7::int,
             $${where.params.length + 9}::text
           WHERE $8::int IS NULL OR (SELECT count(*) FROM threads WHERE ${where.sql}) < $8::int
           ON CONFLICT (id) DO NOTHING
           RETURNING ${THREAD_COLUMNS}`,
            [
              init.id ?? newThreadId(),
              owner.apiKeyHash,
              owner.user ?? null,
              init.title ?? null,
              metadata,
              now,
              randomInt(1, 2 ** 31 - 1),
              cap,
              ...where.params,
              init.tenantKey ?? null,
            ],
          );
          const row = created.rows[0];
          if (row !== undefined) return toThread(row);
          if (cap !== null) {
            // Nothing inserted: the id is taken, or the owner is at the cap.
            const held = await engine.query<{ held: number }>(
              `SELECT count(*)::int AS held FROM threads WHERE ${ownerCondition(owner, 1).sql}`,
              ownerCondition(owner, 1).params,
            );
            const count = held.rows[0]?.held ?? 0;
            if (count >= cap) {
              throw new GatewayError(
                GatewayErrorCode.LimitReached,
                `the owner holds ${count} threads (at most ${cap})`,
              );
            }
          }
          return undefined;
        }),
      ),

    ownerOf: (kind, id) =>
      failClosed('ownerOf', async () => {
        // Two fixed statements, never a table name from a variable.
        const found = await engine.query<{ api_key_hash: string; user_id: string | null }>(
          kind === 'thread'
            ? 'SELECT api_key_hash, user_id FROM threads WHERE id = $1'
            : 'SELECT api_key_hash, user_id FROM runs WHERE id = $1',
          [id],
        );
        const row = found.rows[0];
        return row === undefined ? undefined : ownerOf(row.api_key_hash, row.user_id);
      }),

    getThread: (owner, threadId) =>
      failClosed('getThread', async () => {
        const where = ownerCondition(owner, 2);
        const found = await engine.query<ThreadRow>(
          `SELECT ${THREAD_COLUMNS} FROM threads WHERE id = $1 AND ${where.sql}`,
          [threadId, ...where.params],
        );
        const row = found.rows[0];
        return row === undefined ? undefined : toThread(row);
      }),

    listThreads: (owner, page) =>
      failClosed('listThreads', async (): Promise<Page<ThreadRecord>> => {
        const limit = clampLimit(page.limit, THREAD_LIMITS.pageSize);
        const own = ownerCondition(owner, 1);
        const params: unknown[] = [...own.params];
        let where = own.sql;
        if (page.tenantKey !== undefined) {
          params.push(page.tenantKey);
          where = `((${own.sql}) OR tenant_key = $${params.length})`;
        }
        const after = afterCursor(page.cursor, 'updated_at, id', params);
        params.push(limit + 1);
        const found = await engine.query<ThreadRow>(
          `SELECT ${THREAD_COLUMNS} FROM threads WHERE ${where}${after === undefined ? '' : ` AND ${after}`}
           ORDER BY updated_at DESC, id DESC LIMIT $${params.length}`,
          params,
        );
        return keysetPage(found.rows, limit, toThread, (thread) => ({ at: thread.updatedAt, id: thread.id }));
      }),

    updateThread: (owner, threadId, patch) =>
      failClosed('updateThread', async () => {
        checkTitle(patch.title);
        const metadata = metadataJson(patch.metadata);
        const where = ownerCondition(owner, 6);
        const updated = await engine.query<ThreadRow>(
          `UPDATE threads SET
             title = CASE WHEN $2 THEN $3 ELSE title END,
             metadata = coalesce($4::jsonb, metadata),
             updated_at = greatest(updated_at, $5)
           WHERE id = $1 AND ${where.sql}
           RETURNING ${THREAD_COLUMNS}`,
          [
            threadId,
            patch.title !== undefined,
            patch.title ?? null,
            metadata ?? null,
            Date.now(),
            ...where.params,
          ],
        );
        const row = updated.rows[0];
        return row === undefined ? undefined : toThread(row);
      }),

    deleteThread: (owner, threadId) =>
      failClosed('deleteThread', () =>
        changing(threadId, async () => {
          const where = ownerCondition(owner, 2);
          const deleted = await engine.query(`DELETE FROM threads WHERE id = $1 AND ${where.sql}`, [
            threadId,
            ...where.params,
          ]);
          return deleted.rowCount > 0;
        }),
      ),

    deleteThreadsIdleSince: (cutoff, limit) =>
      failClosed('deleteThreadsIdleSince', () =>
        changing(undefined, () => deleteIdleThreads(engine, cutoff, limit), true),
      ),

    loadMessages: (owner, threadId) =>
      failClosed('loadMessages', async () => (await readHistory(owner, threadId, false))?.messages),

    loadThreadTurn: (owner, threadId) =>
      failClosed('loadThreadTurn', () => readHistory(owner, threadId, true)),

    loadThreadTurnAhead: history.readAhead,

    appendMessages: (threadId, runId, firstSeq, messages) =>
      failClosed('appendMessages', () =>
        changing(threadId, async () => {
          if (messages.length === 0) return;
          if (!Number.isSafeInteger(firstSeq) || firstSeq < 0) {
            throw new GatewayError(GatewayErrorCode.Internal, `appendMessages: invalid firstSeq ${firstSeq}`);
          }
          const now = Date.now();
          // One statement (one round trip): touching the thread locks its row, as FOR UPDATE
          // would, and a thread deleted meanwhile takes nothing (like the memory store).
          await engine.query(
            `WITH thread AS (
             UPDATE threads SET updated_at = greatest(updated_at, $5) WHERE id = $1 RETURNING id
           )
           INSERT INTO thread_messages (thread_id, seq, run_id, message, created_at)
           SELECT thread.id, $2 + ordinality - 1, $3, value, $5
           FROM thread, json_array_elements($4::json) WITH ORDINALITY
           ON CONFLICT (thread_id, seq) DO NOTHING`,
            [threadId, firstSeq, runId, serializeMessages(messages), now],
          );
        }),
      ),

    truncateMessages: (owner, threadId, fromSeq) =>
      failClosed('truncateMessages', () =>
        changing(threadId, async () => {
          // A new epoch tells every process that cached the history that it changed.
          const where = ownerCondition(owner, 3);
          const truncated = await engine.query<{ owned: number }>(
            `WITH owned AS (
             UPDATE threads SET history_epoch = history_epoch + 1
             WHERE id = $1 AND ${where.sql} RETURNING id
           ), gone AS (
             DELETE FROM thread_messages m USING owned WHERE m.thread_id = owned.id AND m.seq >= $2
             RETURNING 1
           )
           SELECT count(*)::int AS owned FROM owned`,
            [threadId, fromSeq, ...where.params],
          );
          return (truncated.rows[0]?.owned ?? 0) > 0;
        }),
      ),

    ...createSqlRunRecords(engine, history.appending),

    ...createSqlRunReads(engine),

    ...(watched === undefined ? {} : { answeredRecently: watched.answeredRecently }),

    close: () => engine.close(),
  };
}
