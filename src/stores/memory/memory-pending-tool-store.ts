import { isWaitingStatus, type PendingToolRecord, type PendingToolStore } from '../../core/stores.js';

/**
 * Creates the in-process `PendingToolStore`. `transition` checks and writes without awaiting in
 * between, which makes it a true compare-and-set on one event loop. Answered tombstones are
 * dropped once their `expiresAt` has passed, swept whenever a record is created, so the map
 * holds at most the calls of the last answer timeout.
 */
export function createMemoryPendingToolStore(now: () => number = Date.now): PendingToolStore {
  const records = new Map<string, PendingToolRecord>();

  const sweepExpiredTombstones = (): void => {
    const nowSeconds = now() / 1000;
    for (const [toolCallId, record] of records) {
      if (!isWaitingStatus(record.status) && record.expiresAt <= nowSeconds) records.delete(toolCallId);
    }
  };

  return {
    create(record) {
      sweepExpiredTombstones();
      const existing = records.get(record.toolCallId);
      if (existing !== undefined && isWaitingStatus(existing.status)) return Promise.resolve(false);
      records.set(record.toolCallId, structuredClone(record));
      return Promise.resolve(true);
    },

    get(toolCallId) {
      const record = records.get(toolCallId);
      return Promise.resolve(record === undefined ? undefined : structuredClone(record));
    },

    transition(toolCallId, from, to) {
      const record = records.get(toolCallId);
      if (record === undefined || record.status !== from) return Promise.resolve(false);
      record.status = to;
      return Promise.resolve(true);
    },

    delete(toolCallId) {
      return Promise.resolve(records.delete(toolCallId));
    },

    deleteForSession(sessionId) {
      for (const [toolCallId, record] of records) {
        if (record.sessionId === sessionId && isWaitingStatus(record.status)) records.delete(toolCallId);
      }
      return Promise.resolve();
    },

    close() {
      records.clear();
      return Promise.resolve();
    },
  };
}
