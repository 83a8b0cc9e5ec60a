import type { Message } from '../../core/messages.js';
import type { StoredMessage, ThreadOwner, ThreadTurnAhead, ThreadTurnRead } from '../../core/thread-store.js';
import { deepFreeze, holdsUnconfirmed, type AheadWrites, type HistoryCache } from './history-cache.js';
import type { HistoryTrust } from './history-trust.js';
import type { SqlQueryable } from './sql-engine.js';
import { ownerCondition, toStoredMessage } from './sql-rows.js';

type MessageEntry = [number, string | null, Message, number];

/** A run's messages as its end writes them to its thread (`SqlThreadHistory.appending`). */
export interface HistoryAppend {
  threadId: string;
  runId: string;
  /** The run's owner: its messages land only in a thread it holds. */
  owner: ThreadOwner;
  /** The thread generation the run's writes are held to. */
  epoch: number | undefined;
  firstSeq: number;
  /** The messages as the statement carries them (a JSON array). */
  json: string;
  createdAt: number;
}

/** Threads' histories through the cache (`createSqlThreadHistory`). */
export interface SqlThreadHistory {
  /** The owner's thread (undefined when not the owner's), with its suspended run when asked. */
  read: (owner: ThreadOwner, threadId: string, withSuspended: boolean) => Promise<ThreadTurnRead | undefined>;
  /**
   * The owner's thread as a run continuing it reads it, from the cache alone, when the cache
   * may answer: this process is the database's only writer, the entry is trusted for `owner`
   * and knows the thread has no suspended run. It may hold the messages of runs' ends still on
   * their way to the database, which go before any end of the run that reads them (one queue,
   * in order). Undefined otherwise: the caller waits for the thread's writes, then `read`s.
   */
  readAhead: (owner: ThreadOwner, threadId: string) => ThreadTurnAhead | undefined;
  /**
   * A run's end is about to append `append` to its thread: a trusted cached history takes the
   * messages on at once (a run's read ahead sees them); the function returned is called once
   * the end is committed, or failed (the entry is then dropped).
   */
  appending: (append: HistoryAppend) => (committed: boolean) => void;
}

/**
 * Reads threads' histories through `cache`: one statement and one row per read, owner-scoped
 * (no row: not the owner's thread, and the cached entry is dropped), which returns the thread's
 * epoch and only the messages past the cached ones when the epoch is still the cached one (the
 * whole history otherwise), aggregated into one JSON array. With `withSuspended`, the same
 * statement also says which run of the thread waits suspended. An entry `trust` vouches for
 * (this process is the only writer and saw every write since) answers without a statement.
 */
export function createSqlThreadHistory(
  db: SqlQueryable,
  cache: HistoryCache,
  trust: HistoryTrust,
): SqlThreadHistory {
  return {
    read: async (owner, threadId, withSuspended) => {
      const entry = cache.get(threadId);
      // Ends not committed yet are not what is stored: the read asks for the whole history and
      // leaves the entry to the run that reads ahead.
      const cached = holdsUnconfirmed(entry) ? undefined : entry;
      if (cached !== undefined && trust.answers(cached, owner, withSuspended)) {
        return { messages: [...cached.messages], epoch: cached.epoch };
      }
      const nextSeq = (cached?.messages.at(-1)?.seq ?? -1) + 1;
      const where = ownerCondition(owner, 4, { key: 't.api_key_hash', user: 't.user_id' });
      const suspended = withSuspended
        ? `(SELECT s.run_id FROM suspended_runs s WHERE s.thread_id = t.id AND s.resumed_at IS NULL LIMIT 1)`
        : 'NULL::text';
      const untouched = trust.beginRead(threadId);
      const found = await db
        .query<{ epoch: number; suspended: string | null; messages: string }>(
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
        )
        .catch((error: unknown) => {
          untouched();
          throw error;
        });
      // Nothing touched the thread while it was read: the answer is the database's.
      const trusted = untouched();
      const row = found.rows[0];
      if (row === undefined) {
        cache.delete(threadId);
        return undefined;
      }
      const keep = !holdsUnconfirmed(cache.peek(threadId));
      const entries = JSON.parse(row.messages) as MessageEntry[];
      const tail = entries.map(([seq, runId, message, createdAt]) =>
        deepFreeze(toStoredMessage({ seq, run_id: runId, message, created_at: createdAt })),
      );
      const current = cached !== undefined && cached.epoch === row.epoch;
      const messages = current ? [...cached.messages, ...tail] : tail;
      const suspendedRunId = row.suspended ?? undefined;
      const kept = cached?.trust;
      if (keep)
        cache.set(threadId, {
          epoch: row.epoch,
          messages,
          bytes: (current ? cached.bytes : 0) + row.messages.length,
          trust: trusted
            ? {
                owner,
                // A read that did not ask keeps what a trusted entry knew, else knows nothing.
                noSuspendedRun: withSuspended
                  ? suspendedRunId === undefined
                  : kept !== undefined && current && kept.noSuspendedRun,
                generation: trust.generation,
              }
            : undefined,
        });
      return {
        messages: [...messages],
        epoch: row.epoch,
        ...(suspendedRunId === undefined ? {} : { suspendedRunId }),
      };
    },

    readAhead: (owner, threadId) => {
      const cached = cache.get(threadId);
      if (cached === undefined || !trust.answers(cached, owner, true)) return undefined;
      // The cached array itself: entries are replaced, never changed, so it cannot move under the reader.
      return { messages: cached.messages, epoch: cached.epoch };
    },

    appending: (append) => {
      const { threadId } = append;
      const entry = cache.peek(threadId);
      const continuesEntry =
        entry !== undefined &&
        trust.answers(entry, append.owner, false) &&
        entry.epoch === append.epoch &&
        (entry.messages.at(-1)?.seq ?? -1) + 1 === append.firstSeq;
      if (!continuesEntry) {
        // Not the trusted history this end continues: it is a change like any other.
        return trust.beginChange(threadId);
      }
      const settled = trust.beginAppend(threadId);
      const chain: AheadWrites = entry.ahead ?? { unconfirmed: 0 };
      chain.unconfirmed += 1;
      // As the database will read them back: JSON, numbered from `firstSeq`.
      const added = (JSON.parse(append.json) as Message[]).map((message, index): StoredMessage =>
        deepFreeze({
          seq: append.firstSeq + index,
          runId: append.runId,
          message,
          createdAt: append.createdAt,
        }),
      );
      cache.set(threadId, {
        epoch: entry.epoch,
        messages: entry.messages.concat(added),
        bytes: entry.bytes + append.json.length,
        trust: entry.trust,
        ahead: chain,
      });
      return (committed) => {
        settled();
        // Replaced, dropped or evicted since: the end no longer concerns what is cached.
        if (cache.peek(threadId)?.ahead !== chain) return;
        if (committed) chain.unconfirmed -= 1;
        // Runs may have read ahead what the database did not take: nothing cached is kept.
        else cache.delete(threadId);
      };
    },
  };
}
