import type { PendingToolRecord, PendingToolStore } from '../../core/stores.js';

/**
 * Creates the in-process `PendingToolStore`. `transition` checks and writes without awaiting in
 * between, which makes it a true compare-and-set on one event loop.
 */
export function createMemoryPendingToolStore(): PendingToolStore {
  const records = new Map<string, PendingToolRecord>();

  return {
    create(record) {
      if (records.has(record.toolCallId)) return Promise.resolve(false);
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
        if (record.sessionId === sessionId) records.delete(toolCallId);
      }
      return Promise.resolve();
    },

    close() {
      records.clear();
      return Promise.resolve();
    },
  };
}
