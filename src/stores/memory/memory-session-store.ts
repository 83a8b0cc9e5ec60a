import type { SessionRecord, SessionStore } from '../../core/stores.js';
import { ChurnMap } from '../../core/churn-map.js';

/**
 * A copy that shares nothing mutable with `record`. Hand-written rather than `structuredClone`,
 * which cost about 1% of the gateway's CPU per chat in the profile: `get` runs on every request.
 */
const copyRecord = (record: SessionRecord): SessionRecord => ({
  ...record,
  approvedToolTypes: [...record.approvedToolTypes],
});

/**
 * The in-process `SessionStore`, whose run lock answers at once: besides the promises of a
 * `SessionStore`, it takes and gives back the lock synchronously (what a chat's start and
 * release use, with no promise and no turn of the microtask queue).
 */
export interface MemorySessionStore extends SessionStore {
  /** `acquireRunLock`, answered at once. */
  acquireRunLockNow(sessionId: string): boolean;
  /** `releaseRunLock`, done at once. */
  releaseRunLockNow(sessionId: string): void;
}

/** Whether `store` takes and gives back run locks at once (the in-process one). */
export const locksAtOnce = (store: object): store is MemorySessionStore =>
  typeof (store as Partial<MemorySessionStore>).acquireRunLockNow === 'function';

/**
 * Creates the in-process `SessionStore` (the embedded default). Single-threaded JavaScript makes
 * every method atomic, so the run lock needs no further care; records are copied in and out so
 * that callers can never mutate stored state.
 */
export function createMemorySessionStore(): MemorySessionStore {
  const records = new ChurnMap<string, SessionRecord>();
  const runLocks = new Set<string>();
  const acquireRunLockNow = (sessionId: string): boolean => {
    if (!records.has(sessionId) || runLocks.has(sessionId)) return false;
    runLocks.add(sessionId);
    return true;
  };
  const releaseRunLockNow = (sessionId: string): void => {
    runLocks.delete(sessionId);
  };

  return {
    create(record) {
      records.set(record.sessionId, copyRecord(record));
      return Promise.resolve();
    },

    createWithin(record, maxSessions) {
      if (records.size >= maxSessions && !records.has(record.sessionId)) return Promise.resolve(false);
      records.set(record.sessionId, copyRecord(record));
      return Promise.resolve(true);
    },

    get(sessionId) {
      const record = records.get(sessionId);
      return Promise.resolve(record === undefined ? undefined : copyRecord(record));
    },

    delete(sessionId) {
      runLocks.delete(sessionId);
      return Promise.resolve(records.delete(sessionId));
    },

    addApprovedToolType(sessionId, key) {
      const record = records.get(sessionId);
      if (record !== undefined && !record.approvedToolTypes.includes(key)) {
        record.approvedToolTypes.push(key);
      }
      return Promise.resolve();
    },

    acquireRunLockNow,
    releaseRunLockNow,

    acquireRunLock(sessionId) {
      return Promise.resolve(acquireRunLockNow(sessionId));
    },

    releaseRunLock(sessionId) {
      releaseRunLockNow(sessionId);
      return Promise.resolve();
    },

    takeExpired(nowSeconds) {
      const expired: SessionRecord[] = [];
      for (const [sessionId, record] of records) {
        if (record.expiresAt <= nowSeconds) {
          records.delete(sessionId);
          runLocks.delete(sessionId);
          expired.push(record);
        }
      }
      return Promise.resolve(expired);
    },

    close() {
      records.clear();
      runLocks.clear();
      return Promise.resolve();
    },
  };
}
