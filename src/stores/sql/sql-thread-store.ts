import { randomBytes } from 'node:crypto';
import { GatewayError, GatewayErrorCode } from '../../core/errors.js';
import type { Message } from '../../core/messages.js';
import { THREAD_LIMITS } from '../../core/thread-limits.js';
import type {
  ApprovalRecordRow,
  Page,
  RunRecordRow,
  StoredMessage,
  ThreadOwner,
  ThreadRecord,
  ThreadStore,
} from '../../core/thread-store.js';
import { checkThreadId, checkTitle, metadataJson } from './check-thread-input.js';
import { clampLimit, decodeCursor, encodeCursor } from './page-cursor.js';
import type { SqlEngine, SqlQueryable } from './sql-engine.js';
import {
  APPROVAL_COLUMNS,
  ownerCondition,
  RUN_COLUMNS,
  THREAD_COLUMNS,
  toApproval,
  toRun,
  toStoredMessage,
  toThread,
  type ApprovalRow,
  type RunRow,
  type ThreadRow,
} from './sql-rows.js';
import { deleteIdleThreads } from './delete-idle-threads.js';
import { failClosed } from './store-errors.js';
import { createSqlSuspendedRunStore } from './sql-suspended-run-store.js';

/** A thread store on SQL, which also says where its data lives. */
export interface SqlThreadStore extends ThreadStore {
  /** `embedded` (PGlite) or `postgres`. */
  readonly engine: 'embedded' | 'postgres';
  /** The data folder (embedded) or the database URL without its password, for the start-up report. */
  readonly location: string;
}

/** A new unguessable thread id: `thr_` and 128 random bits in hex. */
export const newThreadId = (): string => `thr_${randomBytes(16).toString('hex')}`;

/**
 * The thread store over one SQL dialect that PostgreSQL and PGlite both speak. Every statement
 * is parameterised; every client-caused read is scoped by owner in its WHERE clause, so another
 * owner's record reads exactly like a missing one. Migrations must have run on `engine`.
 */
export function createSqlThreadStore(engine: SqlEngine): SqlThreadStore {
  const ownedThread = async (db: SqlQueryable, owner: ThreadOwner, threadId: string): Promise<boolean> => {
    const where = ownerCondition(owner, 2);
    const found = await db.query(`SELECT 1 FROM threads WHERE id = $1 AND ${where.sql}`, [
      threadId,
      ...where.params,
    ]);
    return found.rows.length > 0;
  };

  return {
    suspendedRuns: createSqlSuspendedRunStore(engine),
    engine: engine.kind,
    location: engine.location,

    createThread: (owner, init) =>
      failClosed('createThread', async () => {
        if (init.id !== undefined) checkThreadId(init.id);
        checkTitle(init.title);
        const metadata = metadataJson(init.metadata) ?? '{}';
        const now = Date.now();
        const created = await engine.query<ThreadRow>(
          `INSERT INTO threads (id, api_key_hash, user_id, title, metadata, created_at, updated_at)
           VALUES ($1, $2, $3, $4, $5::jsonb, $6, $6)
           ON CONFLICT (id) DO NOTHING
           RETURNING ${THREAD_COLUMNS}`,
          [init.id ?? newThreadId(), owner.apiKeyHash, owner.user ?? null, init.title ?? null, metadata, now],
        );
        const row = created.rows[0];
        return row === undefined ? undefined : toThread(row);
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
        const where = ownerCondition(owner, 1);
        const params: unknown[] = [...where.params];
        let after = '';
        if (page.cursor !== undefined) {
          const position = decodeCursor(page.cursor);
          after = ` AND (updated_at, id) < ($${params.length + 1}, $${params.length + 2})`;
          params.push(position.at, position.id);
        }
        params.push(limit + 1);
        const found = await engine.query<ThreadRow>(
          `SELECT ${THREAD_COLUMNS} FROM threads WHERE ${where.sql}${after}
           ORDER BY updated_at DESC, id DESC LIMIT $${params.length}`,
          params,
        );
        const items = found.rows.slice(0, limit).map(toThread);
        const last = items.at(-1);
        return found.rows.length > limit && last !== undefined
          ? { items, nextCursor: encodeCursor({ at: last.updatedAt, id: last.id }) }
          : { items };
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
      failClosed('deleteThread', async () => {
        const where = ownerCondition(owner, 2);
        const deleted = await engine.query(`DELETE FROM threads WHERE id = $1 AND ${where.sql}`, [
          threadId,
          ...where.params,
        ]);
        return deleted.rowCount > 0;
      }),

    deleteThreadsIdleSince: (cutoff, limit) =>
      failClosed('deleteThreadsIdleSince', () => deleteIdleThreads(engine, cutoff, limit)),

    loadMessages: (owner, threadId) =>
      failClosed('loadMessages', async (): Promise<StoredMessage[] | undefined> => {
        // One round trip and one row: the owner's thread joined to its messages, aggregated into
        // one JSON array (far cheaper to carry and parse than a row per message). No row means
        // the thread is not the owner's.
        const where = ownerCondition(owner, 2, { key: 't.api_key_hash', user: 't.user_id' });
        const found = await engine.query<{ messages: string }>(
          `SELECT coalesce(
                    json_agg(json_build_array(m.seq, m.run_id, m.message, m.created_at) ORDER BY m.seq)
                      FILTER (WHERE m.seq IS NOT NULL),
                    '[]')::text AS messages
           FROM threads t LEFT JOIN thread_messages m ON m.thread_id = t.id
           WHERE t.id = $1 AND ${where.sql}
           GROUP BY t.id`,
          [threadId, ...where.params],
        );
        const row = found.rows[0];
        if (row === undefined) return undefined;
        const entries = JSON.parse(row.messages) as Array<[number, string | null, Message, number]>;
        return entries.map(([seq, runId, message, createdAt]) =>
          toStoredMessage({ seq, run_id: runId, message, created_at: createdAt }),
        );
      }),

    appendMessages: (threadId, runId, firstSeq, messages) =>
      failClosed('appendMessages', async () => {
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

    truncateMessages: (owner, threadId, fromSeq) =>
      failClosed('truncateMessages', async () => {
        if (!(await ownedThread(engine, owner, threadId))) return false;
        await engine.query('DELETE FROM thread_messages WHERE thread_id = $1 AND seq >= $2', [
          threadId,
          fromSeq,
        ]);
        return true;
      }),

    recordRunStart: (run) =>
      failClosed('recordRunStart', async () => {
        await engine.query(
          `INSERT INTO runs (id, thread_id, api_key_hash, user_id, model, status, started_at)
           VALUES ($1, $2, $3, $4, $5, 'running', $6)
           ON CONFLICT (id) DO NOTHING`,
          [run.id, run.threadId, run.owner.apiKeyHash, run.owner.user ?? null, run.model, run.startedAt],
        );
      }),

    recordRunEnd: (runId, end) =>
      failClosed('recordRunEnd', async () => {
        await engine.query(
          `UPDATE runs SET status = $2, outcome_code = $3, turns = $4, usage = $5::jsonb,
             estimated_cost_usd = $6, ended_at = $7
           WHERE id = $1`,
          [
            runId,
            end.status,
            end.outcomeCode,
            end.turns,
            end.usage === null ? null : JSON.stringify(end.usage),
            end.estimatedCostUsd,
            end.endedAt,
          ],
        );
      }),

    getRun: (owner, runId) =>
      failClosed('getRun', async () => {
        const where = ownerCondition(owner, 2);
        const found = await engine.query<RunRow>(
          `SELECT ${RUN_COLUMNS} FROM runs WHERE id = $1 AND ${where.sql}`,
          [runId, ...where.params],
        );
        const row = found.rows[0];
        return row === undefined ? undefined : toRun(row);
      }),

    listRuns: (owner, threadId, page) =>
      failClosed('listRuns', () =>
        engine.transaction(async (tx): Promise<Page<RunRecordRow> | undefined> => {
          if (!(await ownedThread(tx, owner, threadId))) return undefined;
          const limit = clampLimit(page.limit, THREAD_LIMITS.pageSize);
          const params: unknown[] = [threadId];
          let after = '';
          if (page.cursor !== undefined) {
            const position = decodeCursor(page.cursor);
            after = ' AND (started_at, id) < ($2, $3)';
            params.push(position.at, position.id);
          }
          params.push(limit + 1);
          const found = await tx.query<RunRow>(
            `SELECT ${RUN_COLUMNS} FROM runs WHERE thread_id = $1${after}
             ORDER BY started_at DESC, id DESC LIMIT $${params.length}`,
            params,
          );
          const items = found.rows.slice(0, limit).map(toRun);
          const last = items.at(-1);
          return found.rows.length > limit && last !== undefined
            ? { items, nextCursor: encodeCursor({ at: last.startedAt, id: last.id }) }
            : { items };
        }),
      ),

    recordApproval: (decision: ApprovalRecordRow) =>
      failClosed('recordApproval', async () => {
        await engine.query(
          `INSERT INTO approvals (run_id, tool_call_id, tool_name, input_hash, decision, always_allow,
             answered_by_key, answered_by_user, answered_by_session, answered_at)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
           ON CONFLICT (run_id, tool_call_id) DO NOTHING`,
          [
            decision.runId,
            decision.toolCallId,
            decision.toolName,
            decision.inputHash,
            decision.decision,
            decision.alwaysAllow,
            decision.answeredBy.apiKeyHash,
            decision.answeredBy.user ?? null,
            decision.answeredBy.sessionId,
            decision.answeredAt,
          ],
        );
      }),

    listApprovals: (owner, runId) =>
      failClosed('listApprovals', () =>
        engine.transaction(async (tx): Promise<ApprovalRecordRow[] | undefined> => {
          const where = ownerCondition(owner, 2);
          const run = await tx.query(`SELECT 1 FROM runs WHERE id = $1 AND ${where.sql}`, [
            runId,
            ...where.params,
          ]);
          if (run.rows.length === 0) return undefined;
          const found = await tx.query<ApprovalRow>(
            `SELECT ${APPROVAL_COLUMNS} FROM approvals WHERE run_id = $1 ORDER BY answered_at, ordinal`,
            [runId],
          );
          return found.rows.map(toApproval);
        }),
      ),

    close: () => engine.close(),
  };
}

/** Messages as one JSON array parameter (`json_array_elements` numbers them in SQL). */
const serializeMessages = (messages: readonly Message[]): string => JSON.stringify(messages);
