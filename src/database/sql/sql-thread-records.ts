import { randomBytes, randomInt } from 'node:crypto';
import { GatewayError, GatewayErrorCode } from '../../core/errors.js';
import { THREAD_LIMITS } from '../../core/thread-limits.js';
import type { Page, ThreadOwner, ThreadRecord, ThreadStore } from '../../core/thread-store.js';
import { checkThreadId, checkTitle, metadataJson } from './check-thread-input.js';
import { afterCursor, clampLimit, keysetPage } from './page-cursor.js';
import { selectOwnedRow } from './select-owned-row.js';
import type { SqlEngine } from './sql-engine.js';
import {
  capOwnerCondition,
  ownerCondition,
  ownerOf,
  THREAD_COLUMNS,
  toThread,
  type ThreadRow,
} from './sql-rows.js';
import { deleteIdleThreads } from './delete-idle-threads.js';
import { failClosed } from './store-errors.js';
import type { ChangeThread } from './thread-changes.js';

/** The methods of `ThreadStore` over thread records (not their messages). */
export type SqlThreadRecords = Pick<
  ThreadStore,
  | 'createThread'
  | 'ownerOf'
  | 'getThread'
  | 'listThreads'
  | 'updateThread'
  | 'deleteThread'
  | 'deleteThreadsIdleSince'
>;

/** A new unguessable thread id: `thr_` and 128 random bits in hex. */
const newThreadId = (): string => `thr_${randomBytes(16).toString('hex')}`;

/**
 * Inserts the thread unless its id is taken or the owner holds `maxThreadsOfOwner` (counted in
 * the same statement, on the owner index); a thread at the cap is refused with `limit_reached`.
 */
async function insertThread(
  engine: SqlEngine,
  owner: ThreadOwner,
  init: Parameters<ThreadStore['createThread']>[1],
): Promise<ThreadRecord | undefined> {
  if (init.id !== undefined) checkThreadId(init.id);
  checkTitle(init.title);
  const metadata = metadataJson(init.metadata) ?? '{}';
  const now = Date.now();
  // A random first epoch: a thread deleted and created again under the same id never matches
  // what a process cached of the old one.
  const cap = init.maxThreadsOfOwner ?? null;
  // The cap's owner: anonymous sessions of a key count together (`capOwnerKey`).
  const where = capOwnerCondition(owner, 9);
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
}

/**
 * Thread records in SQL, every client-caused read scoped by owner in its WHERE clause; a change
 * that may alter what a cached history answers goes through `changing`.
 */
export function createSqlThreadRecords(engine: SqlEngine, changing: ChangeThread): SqlThreadRecords {
  return {
    createThread: (owner, init) =>
      failClosed('createThread', () => changing(init.id, () => insertThread(engine, owner, init))),

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
      failClosed('getThread', () =>
        selectOwnedRow(engine, { table: 'threads', columns: THREAD_COLUMNS }, owner, threadId, toThread),
      ),

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
  };
}
