import type { StoredMessage, ThreadOwner } from '../../core/thread-store.js';

/**
 * What makes a cached history the database's own, so that a read may be answered without a
 * statement: this process is the database's only writer (the embedded engine, whose data folder
 * it locked), the entry was read whole or incrementally from the database while nothing else
 * touched the thread, and every write since went through this process and was added to it.
 */
export interface TrustedHistory {
  /** The owner the database answered for (reads by anyone else ask the database). */
  readonly owner: ThreadOwner;
  /** Whether the thread had no suspended run when read (unknown: a read that did not ask). */
  readonly noSuspendedRun: boolean;
  /** `HistoryTrust.generation` when trusted: every thread's trust ends when it moves. */
  readonly generation: number;
}

/** One thread's history as this process last read it from the database. */
export interface CachedHistory {
  /** The thread's `history_epoch` when it was read: a truncation or a re-creation changes it. */
  readonly epoch: number;
  /** The stored messages in order, deeply frozen: every reader shares them. */
  readonly messages: readonly StoredMessage[];
  /** About how many bytes of JSON the messages were, which is what the cache is bounded by. */
  readonly bytes: number;
  /** Set when the entry is known to be what the database holds (see `HistoryTrust`). */
  readonly trust?: TrustedHistory | undefined;
  /**
   * Set when the entry's last messages are runs' ends still on their way to the database
   * (`SqlThreadHistory.readAhead`): one object, shared by the entries that extended each other,
   * counting the ends not committed yet. Such an entry answers only a run's read ahead, never a
   * read of what is stored.
   */
  readonly ahead?: AheadWrites | undefined;
}

/** The run ends a cached history holds before the database does (`CachedHistory.ahead`). */
export interface AheadWrites {
  /** How many are not committed yet. */
  unconfirmed: number;
}

/** Whether `entry` holds messages the database may not have yet. */
export const holdsUnconfirmed = (entry: CachedHistory | undefined): boolean =>
  entry?.ahead !== undefined && entry.ahead.unconfirmed > 0;

/** Options of `createHistoryCache`. */
export interface HistoryCacheOptions {
  /** Most bytes (of the messages' JSON) kept for all threads together. 0 turns the cache off. */
  maxBytes: number;
  /** A thread larger than this is not kept (default a quarter of `maxBytes`). */
  maxThreadBytes?: number;
}

/**
 * The threads' histories this process read last, most recently used last, so that a thread's
 * next run reads from the database only the messages written since (`seq` past the cached
 * ones) instead of the whole conversation. An entry is not trusted on its own: a read asks the
 * database, owner-scoped, and gets the thread's epoch back with the tail; a cached entry whose
 * epoch differs is thrown away and the history read whole. The exception is an entry with
 * `trust` (this process is the database's only writer and saw every write since the read, see
 * `HistoryTrust`). Bounded by bytes; least recently used threads go first.
 */
export interface HistoryCache {
  get(threadId: string): CachedHistory | undefined;
  /** The entry, without counting as a use. */
  peek(threadId: string): CachedHistory | undefined;
  set(threadId: string, entry: CachedHistory): void;
  delete(threadId: string): void;
  /** Bytes held now. */
  readonly bytes: number;
}

/** Freezes a JSON value and everything in it (cached messages are shared between readers). */
export function deepFreeze<Value>(value: Value): Value {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const inner of Object.values(value)) deepFreeze(inner);
  }
  return value;
}

/** Creates an LRU history cache bounded by `maxBytes`. */
export function createHistoryCache(options: HistoryCacheOptions): HistoryCache {
  const { maxBytes } = options;
  const maxThreadBytes = options.maxThreadBytes ?? Math.floor(maxBytes / 4);
  const entries = new Map<string, CachedHistory>();
  let bytes = 0;
  const remove = (threadId: string): void => {
    const entry = entries.get(threadId);
    if (entry === undefined) return;
    entries.delete(threadId);
    bytes -= entry.bytes;
  };
  return {
    get(threadId) {
      const entry = entries.get(threadId);
      if (entry !== undefined) {
        // Most recently used last: Map keeps insertion order.
        entries.delete(threadId);
        entries.set(threadId, entry);
      }
      return entry;
    },
    peek: (threadId) => entries.get(threadId),
    set(threadId, entry) {
      remove(threadId);
      if (entry.bytes > maxThreadBytes || entry.bytes > maxBytes) return;
      entries.set(threadId, entry);
      bytes += entry.bytes;
      for (const [oldest] of entries) {
        if (bytes <= maxBytes) break;
        remove(oldest);
      }
    },
    delete: remove,
    get bytes() {
      return bytes;
    },
  };
}
