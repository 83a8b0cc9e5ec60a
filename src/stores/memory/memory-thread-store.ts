import { randomBytes } from 'node:crypto';
import { z } from 'zod';
import { callable, parseOptions } from '../../core/parse-options.js';
import { GatewayError } from '../../core/errors.js';
import type { Message } from '../../core/messages.js';
import { checkThreadId, checkTitle, metadataJson } from '../sql/check-thread-input.js';
import { checkBatchLimit } from '../sql/delete-idle-threads.js';
import type { Page, ThreadOwner, ThreadRecord, ThreadStore } from '../../core/thread-store.js';
import { createMemorySuspendedRunStore } from './memory-suspended-run-store.js';
import { memoryRunMethods } from './memory-thread-runs.js';
import {
  copy,
  ownerCopy,
  pageOf,
  sameOwner,
  settle,
  type MemoryThreadState,
  type RunEntry,
  type ThreadEntry,
} from './memory-thread-state.js';

const memoryThreadStoreOptionsSchema = z.strictObject({
  /** Clock in milliseconds since the epoch (default `Date.now`). */
  now: callable<() => number>().optional(),
});

/** Options of `createMemoryThreadStore`. */
export type MemoryThreadStoreOptions = z.input<typeof memoryThreadStoreOptionsSchema>;

/**
 * Creates a `ThreadStore` that keeps everything in this process: for tests, examples and
 * library users without a database. It honours the whole contract (owner scoping, idempotent
 * appends by sequence, cursors, cascading deletes, copies in and out) and forgets everything
 * when the process ends. `close()` empties it; calls after it fail with `store_unavailable`.
 */
export function createMemoryThreadStore(given: MemoryThreadStoreOptions = {}): ThreadStore {
  const options = parseOptions(memoryThreadStoreOptionsSchema, given, 'createMemoryThreadStore');
  const now = options.now ?? Date.now;
  const threads = new Map<string, ThreadEntry>();
  const runs = new Map<string, RunEntry>();
  let closed = false;

  const open = (): void => {
    if (closed) throw new GatewayError('store_unavailable', 'the thread store is closed');
  };
  const ownThread = (owner: ThreadOwner, threadId: string): ThreadEntry | undefined => {
    const entry = threads.get(threadId);
    return entry !== undefined && sameOwner(entry.record.owner, owner) ? entry : undefined;
  };
  /** Deletes a thread with its messages, runs and their approvals. */
  const forget = (threadId: string): void => {
    threads.delete(threadId);
    for (const [runId, run] of runs) if (run.row.threadId === threadId) runs.delete(runId);
  };
  const ownRun = (owner: ThreadOwner, runId: string): RunEntry | undefined => {
    const entry = runs.get(runId);
    return entry !== undefined && sameOwner(entry.row.owner, owner) ? entry : undefined;
  };
  const state: MemoryThreadState = { threads, runs, now, open, ownThread, ownRun, forget };

  const suspendedRuns = createMemorySuspendedRunStore({
    open,
    hasRun: (runId) => runs.has(runId),
    runStatus: (runId) => runs.get(runId)?.row.status,
    setRunStatus: (runId, status) => {
      const entry = runs.get(runId);
      // A run that ended while its suspension was being written keeps its end.
      if (entry !== undefined && (entry.row.status === 'running' || entry.row.status === 'suspended'))
        entry.row.status = status;
    },
  });

  return {
    suspendedRuns,
    createThread(owner, init) {
      return settle(() => {
        open();
        checkTitle(init.title);
        metadataJson(init.metadata);
        if (init.id !== undefined) checkThreadId(init.id);
        const id = init.id ?? `thr_${randomBytes(16).toString('hex')}`;
        if (threads.has(id)) return undefined;
        const at = now();
        const record: ThreadRecord = {
          id,
          owner: ownerCopy(owner),
          title: init.title ?? null,
          metadata: copy(init.metadata ?? {}),
          createdAt: at,
          updatedAt: at,
        };
        threads.set(id, { record, messages: new Map() });
        return copy(record);
      });
    },

    getThread(owner, threadId) {
      return settle(() => {
        open();
        const entry = ownThread(owner, threadId);
        return entry === undefined ? undefined : copy(entry.record);
      });
    },

    listThreads(owner, page): Promise<Page<ThreadRecord>> {
      return settle(() => {
        open();
        const own = [...threads.values()].filter((entry) => sameOwner(entry.record.owner, owner));
        const result = pageOf(own, (entry) => ({ at: entry.record.updatedAt, id: entry.record.id }), page);
        return {
          items: result.items.map((entry) => copy(entry.record)),
          ...(result.nextCursor === undefined ? {} : { nextCursor: result.nextCursor }),
        };
      });
    },

    updateThread(owner, threadId, patch) {
      return settle(() => {
        open();
        checkTitle(patch.title);
        metadataJson(patch.metadata);
        const entry = ownThread(owner, threadId);
        if (entry === undefined) return undefined;
        if (patch.title !== undefined) entry.record.title = patch.title;
        if (patch.metadata !== undefined) entry.record.metadata = copy(patch.metadata);
        entry.record.updatedAt = Math.max(now(), entry.record.updatedAt);
        return copy(entry.record);
      });
    },

    deleteThread(owner, threadId) {
      return settle(() => {
        open();
        if (ownThread(owner, threadId) === undefined) return false;
        forget(threadId);
        return true;
      });
    },

    deleteThreadsIdleSince(cutoff, limit) {
      return settle(() => {
        open();
        checkBatchLimit(limit);
        const idle = [...threads.values()]
          .filter((entry) => entry.record.updatedAt < cutoff)
          .sort((left, right) => left.record.updatedAt - right.record.updatedAt)
          .slice(0, limit);
        for (const entry of idle) forget(entry.record.id);
        return idle.length;
      });
    },

    loadMessages(owner, threadId) {
      return settle(() => {
        open();
        const entry = ownThread(owner, threadId);
        if (entry === undefined) return undefined;
        return [...entry.messages.values()].sort((left, right) => left.seq - right.seq).map(copy);
      });
    },

    appendMessages(threadId, runId, firstSeq, messages: readonly Message[]) {
      return settle(() => {
        open();
        if (!Number.isInteger(firstSeq) || firstSeq < 0) {
          throw new GatewayError('invalid_option', `firstSeq must be an integer >= 0, got ${firstSeq}`);
        }
        // A thread deleted while its run went on keeps nothing of it.
        const entry = threads.get(threadId);
        if (entry === undefined) return;
        const at = now();
        messages.forEach((message, index) => {
          const seq = firstSeq + index;
          // Idempotent by (thread, seq): a repeated turn keeps what was written first.
          if (!entry.messages.has(seq))
            entry.messages.set(seq, { seq, runId, message: copy(message), createdAt: at });
        });
        if (messages.length > 0) entry.record.updatedAt = Math.max(at, entry.record.updatedAt);
      });
    },

    truncateMessages(owner, threadId, fromSeq) {
      return settle(() => {
        open();
        const entry = ownThread(owner, threadId);
        if (entry === undefined) return false;
        for (const seq of [...entry.messages.keys()]) if (seq >= fromSeq) entry.messages.delete(seq);
        return true;
      });
    },

    ...memoryRunMethods(state),

    close() {
      return settle(() => {
        closed = true;
        threads.clear();
        runs.clear();
      });
    },
  };
}
