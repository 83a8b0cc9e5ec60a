import {
  isPendingStatus,
  type PendingAnswerKey,
  type PendingAnswerRecord,
  type PendingAnswerStore,
} from '../../core/stores.js';
import { ChurnMap } from '../../core/churn-map.js';

/** One map key per pending answer; JSON keeps ids with any characters apart. */
const recordKey = (key: PendingAnswerKey): string =>
  JSON.stringify([key.sessionId, key.runId, key.toolCallId]);
/** One map key per (session, tool call id), for answers, which name only the tool call id. */
const sessionCallKey = (sessionId: string, toolCallId: string): string =>
  JSON.stringify([sessionId, toolCallId]);

/**
 * The in-process `PendingAnswerStore`, which withdraws a run's pending answers at once (what a
 * chat's release uses, with no promise).
 */
export interface MemoryPendingAnswerStore extends PendingAnswerStore {
  /** `deletePendingOfRun`, done at once. */
  deletePendingOfRunNow(sessionId: string, runId: string): void;
}

/** Whether `store` withdraws a run's pending answers at once (the in-process one). */
export const withdrawsAtOnce = (store: object): store is MemoryPendingAnswerStore =>
  typeof (store as Partial<MemoryPendingAnswerStore>).deletePendingOfRunNow === 'function';

/**
 * Creates the in-process `PendingAnswerStore`. Records are keyed by (session, run, tool call id),
 * and each session remembers which of its runs asked under a tool call id last, which is the call an
 * answer naming that id reaches. `transition` checks and writes without awaiting in between,
 * which makes it a true compare-and-set on one event loop. Answered tombstones are dropped once
 * their `expiresAt` has passed, swept whenever a record is created, so the maps hold at most
 * the calls of the last answer timeout.
 */
export function createMemoryPendingAnswerStore(now: () => number = Date.now): MemoryPendingAnswerStore {
  const records = new ChurnMap<string, PendingAnswerRecord>();
  /** (session, tool call id) → the run that asked under that id last. */
  const latestRun = new Map<string, string>();

  const remove = (record: PendingAnswerRecord): boolean => {
    const removed = records.delete(recordKey(record));
    const latest = sessionCallKey(record.sessionId, record.toolCallId);
    if (latestRun.get(latest) === record.runId) latestRun.delete(latest);
    return removed;
  };

  const sweepExpiredTombstones = (): void => {
    const nowSeconds = now() / 1000;
    for (const record of records.values()) {
      if (!isPendingStatus(record.status) && record.expiresAt <= nowSeconds) remove(record);
    }
  };

  const deletePendingOfRunNow = (sessionId: string, runId: string): void => {
    for (const record of records.values()) {
      if (record.sessionId === sessionId && record.runId === runId && isPendingStatus(record.status)) {
        remove(record);
      }
    }
  };

  return {
    create(record) {
      sweepExpiredTombstones();
      const key = recordKey(record);
      const existing = records.get(key);
      if (existing !== undefined && isPendingStatus(existing.status)) return Promise.resolve(false);
      records.set(key, structuredClone(record));
      latestRun.set(sessionCallKey(record.sessionId, record.toolCallId), record.runId);
      return Promise.resolve(true);
    },

    get(key) {
      const record = records.get(recordKey(key));
      return Promise.resolve(record === undefined ? undefined : structuredClone(record));
    },

    findInSession(sessionId, toolCallId) {
      const runId = latestRun.get(sessionCallKey(sessionId, toolCallId));
      const record =
        runId === undefined ? undefined : records.get(recordKey({ sessionId, runId, toolCallId }));
      return Promise.resolve(record === undefined ? undefined : structuredClone(record));
    },

    transition(key, from, to) {
      const record = records.get(recordKey(key));
      if (record === undefined || record.status !== from) return Promise.resolve(false);
      record.status = to;
      return Promise.resolve(true);
    },

    delete(key) {
      const record = records.get(recordKey(key));
      return Promise.resolve(record !== undefined && remove(record));
    },

    deletePendingOfRunNow,

    deletePendingOfRun(sessionId, runId) {
      deletePendingOfRunNow(sessionId, runId);
      return Promise.resolve();
    },

    close() {
      records.clear();
      latestRun.clear();
      return Promise.resolve();
    },
  };
}
