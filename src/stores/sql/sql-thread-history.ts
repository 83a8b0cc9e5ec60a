import type { Message } from '../../core/messages.js';
import type { ThreadOwner, ThreadTurnRead } from '../../core/thread-store.js';
import { deepFreeze, type HistoryCache } from './history-cache.js';
import type { SqlQueryable } from './sql-engine.js';
import { ownerCondition, toStoredMessage } from './sql-rows.js';

type MessageEntry = [number, string | null, Message, number];

/**
 * Reads threads' histories through `cache`: one statement and one row per read, owner-scoped
 * (no row: not the owner's thread, and the cached entry is dropped), which returns the thread's
 * epoch and only the messages past the cached ones when the epoch is still the cached one (the
 * whole history otherwise), aggregated into one JSON array. With `withSuspended`, the same
 * statement also says which run of the thread waits suspended.
 */
export function createSqlThreadHistory(db: SqlQueryable, cache: HistoryCache) {
  return async (
    owner: ThreadOwner,
    threadId: string,
    withSuspended: boolean,
  ): Promise<ThreadTurnRead | undefined> => {
    const cached = cache.get(threadId);
    const nextSeq = (cached?.messages.at(-1)?.seq ?? -1) + 1;
    const where = ownerCondition(owner, 4, { key: 't.api_key_hash', user: 't.user_id' });
    const suspended = withSuspended
      ? `(SELECT s.run_id FROM suspended_runs s WHERE s.thread_id = t.id AND s.resumed_at IS NULL LIMIT 1)`
      : 'NULL::text';
    const found = await db.query<{ epoch: number; suspended: string | null; messages: string }>(
      `SELECT t.history_epoch AS epoch, ${suspended} AS suspended,
              (SELECT coalesce(
                        json_agg(json_build_array(m.seq, m.run_id, m.message, m.created_at) ORDER BY m.seq),
                        '[]')::text
                 FROM thread_messages m
                WHERE m.thread_id = t.id
                  AND m.seq >= CASE WHEN t.history_epoch = $2 THEN $3 ELSE 0 END) AS messages
         FROM threads t
        WHERE t.id = $1 AND ${where.sql}`,
      [threadId, cached?.epoch ?? null, nextSeq, ...where.params],
      `agw_history_${withSuspended ? 'turn' : 'read'}_${owner.user === undefined ? 'key' : 'user'}`,
    );
    const row = found.rows[0];
    if (row === undefined) {
      cache.delete(threadId);
      return undefined;
    }
    const entries = JSON.parse(row.messages) as MessageEntry[];
    const tail = entries.map(([seq, runId, message, createdAt]) =>
      deepFreeze(toStoredMessage({ seq, run_id: runId, message, created_at: createdAt })),
    );
    const current = cached !== undefined && cached.epoch === row.epoch;
    const messages = current ? [...cached.messages, ...tail] : tail;
    cache.set(threadId, {
      epoch: row.epoch,
      messages,
      bytes: (current ? cached.bytes : 0) + row.messages.length,
    });
    return {
      messages: [...messages],
      epoch: row.epoch,
      ...(row.suspended === null ? {} : { suspendedRunId: row.suspended }),
    };
  };
}
