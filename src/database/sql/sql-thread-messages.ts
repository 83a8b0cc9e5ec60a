import { GatewayError, GatewayErrorCode } from '../../core/errors.js';
import type { ThreadStore } from '../../core/thread-store.js';
import type { SqlEngine } from './sql-engine.js';
import { ownerCondition } from './sql-rows.js';
import { failClosed } from './store-errors.js';
import { serializeMessages } from './sql-run-records.js';
import type { SqlThreadHistory } from './sql-thread-history.js';
import type { ChangeThread } from './thread-changes.js';

/** The methods of `ThreadStore` over a thread's messages. */
export type SqlThreadMessages = Pick<
  ThreadStore,
  'loadMessages' | 'loadThreadTurn' | 'loadThreadTurnAhead' | 'appendMessages' | 'truncateMessages'
>;

/**
 * A thread's messages in SQL: read through `history` (which may answer from its cache), written
 * through `changing` so that a cached history is not trusted while its thread changes.
 */
export function createSqlThreadMessages(
  engine: SqlEngine,
  history: SqlThreadHistory,
  changing: ChangeThread,
): SqlThreadMessages {
  const readHistory = history.read;
  return {
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
  };
}
