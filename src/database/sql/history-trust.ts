import type { ThreadOwner } from '../../core/thread-store.js';
import { holdsUnconfirmed, type CachedHistory, type HistoryCache } from './history-cache.js';

/** Keeps track of what may change a thread's history while it is cached (`createHistoryTrust`). */
export interface HistoryTrust {
  /** Whether `entry` may answer a read by `owner` (and, with `needsSuspension`, for a new run). */
  answers(entry: CachedHistory, owner: ThreadOwner, needsSuspension: boolean): boolean;
  /**
   * A read of `threadId` starts; the function returned, called when its answer is in, tells
   * whether nothing touched the thread meanwhile (the answer may then be trusted).
   */
  beginRead(threadId: string): () => boolean;
  /**
   * Something other than a run's end is about to change `threadId` (every thread when
   * undefined): trust ends now; the function returned is called once the change is over
   * (committed or not), and ends what was trusted meanwhile.
   */
  beginChange(threadId?: string): () => void;
  /**
   * A run's end is about to add messages to `threadId`, which its cached entry took on ahead of
   * the database (`SqlThreadHistory.appending`): a read of the thread under way now, or until
   * the end has settled, is not trusted, since it may see those messages or not. The function
   * returned is called once the end has settled. (An end the entry did not take on is a change,
   * `beginChange`.)
   */
  beginAppend(threadId: string): () => void;
  /** The generation new trust is given at. */
  readonly generation: number;
}

const sameOwner = (a: ThreadOwner, b: ThreadOwner): boolean =>
  a.apiKeyHash === b.apiKeyHash && a.user === b.user;

/**
 * Trust for the histories in `cache`. Without `soleWriter` (a database other processes write,
 * PostgreSQL) nothing is ever trusted and every read asks the database. Bounded: a thread is
 * tracked only while a read or write of it is under way.
 */
export function createHistoryTrust(cache: HistoryCache, soleWriter: boolean): HistoryTrust {
  /** Per thread while something of it is under way: how many, and how often it was touched. */
  const activity = new Map<string, { under: number; touches: number }>();
  let generation = 0;

  const begin = (threadId: string): { under: number; touches: number } => {
    const found = activity.get(threadId) ?? { under: 0, touches: 0 };
    found.under += 1;
    activity.set(threadId, found);
    return found;
  };
  const end = (threadId: string, record: { under: number }): void => {
    record.under -= 1;
    if (record.under === 0) activity.delete(threadId);
  };
  const distrust = (threadId: string): void => {
    const entry = cache.peek(threadId);
    // Messages the database may never get are no base for a later read: the entry goes.
    if (holdsUnconfirmed(entry)) cache.delete(threadId);
    else if (entry?.trust !== undefined) cache.set(threadId, { ...entry, trust: undefined });
  };
  const touch = (threadId: string | undefined): void => {
    if (threadId === undefined) {
      generation += 1;
      for (const record of activity.values()) record.touches += 1;
      return;
    }
    const record = activity.get(threadId);
    if (record !== undefined) record.touches += 1;
    distrust(threadId);
  };

  return {
    get generation() {
      return generation;
    },
    answers(entry, owner, needsSuspension) {
      const { trust } = entry;
      return (
        soleWriter &&
        trust !== undefined &&
        trust.generation === generation &&
        sameOwner(trust.owner, owner) &&
        (!needsSuspension || trust.noSuspendedRun)
      );
    },
    beginRead(threadId) {
      const record = begin(threadId);
      const touches = record.touches;
      const atGeneration = generation;
      return () => {
        end(threadId, record);
        return soleWriter && record.touches === touches && generation === atGeneration;
      };
    },
    beginChange(threadId) {
      const records = threadId === undefined ? [] : [[threadId, begin(threadId)] as const];
      touch(threadId);
      return () => {
        touch(threadId);
        for (const [id, record] of records) end(id, record);
      };
    },
    beginAppend(threadId) {
      const record = begin(threadId);
      record.touches += 1;
      return () => {
        // A read under way since may have missed the messages just committed: not trusted.
        record.touches += 1;
        end(threadId, record);
      };
    },
  };
}
