import { randomBytes, randomInt } from 'node:crypto';
import { z } from 'zod';
import { callable, parseOptions } from '../../core/parse-options.js';
import { GatewayError, GatewayErrorCode } from '../../core/errors.js';
import { checkThreadId, checkTitle, metadataJson } from '../sql/check-thread-input.js';
import { checkBatchLimit } from '../sql/delete-idle-threads.js';
import { pageOf } from './memory-page.js';
import type { Page, ThreadRecord, ThreadStore } from '../../core/thread-store.js';
import type { DatabaseStores } from '../../core/database-stores.js';
import { threadStoreCarrying, type CarriedStores } from '../carried-stores.js';
import { createMemorySuspendedRunStore } from './memory-suspended-run-store.js';
import { createMemoryApprovalInboxStore } from './memory-approval-inbox-store.js';
import { memoryMessageMethods } from './memory-thread-messages.js';
import { memoryRunMethods } from './memory-thread-runs.js';
import { copy, createMemoryThreadState, ownerCopy, sameOwner, settle } from './memory-thread-state.js';
import { sharesCapsWith } from '../../core/cap-owner.js';

export const memoryThreadStoreOptionsSchema = z.strictObject({
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
 * It carries the database's suspended runs and approval inbox in the deprecated shape
 * (`CarriedStores`); `createMemoryDatabase` gives them as one aggregate.
 */
export function createMemoryThreadStore(given: MemoryThreadStoreOptions = {}): ThreadStore & CarriedStores {
  const options = parseOptions(memoryThreadStoreOptionsSchema, given, 'createMemoryThreadStore');
  return threadStoreCarrying(memoryDatabaseOf(options));
}

/**
 * The stores of a database in this process, from parsed options: threads, suspended runs and
 * the approval inbox over one state, closed with the thread store.
 */
export function memoryDatabaseOf(options: { now?: (() => number) | undefined }): DatabaseStores {
  const now = options.now ?? Date.now;
  const state = createMemoryThreadState(now);
  const { threads, runs, open, ownThread, forget } = state;

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

  const store: ThreadStore = {
    createThread(owner, init) {
      return settle(() => {
        open();
        checkTitle(init.title);
        metadataJson(init.metadata);
        if (init.id !== undefined) checkThreadId(init.id);
        const id = init.id ?? `thr_${randomBytes(16).toString('hex')}`;
        if (threads.has(id)) return undefined;
        // The cap's owner: anonymous sessions of a key count together (`capOwnerKey`).
        const held = [...threads.values()].filter((entry) =>
          sharesCapsWith(entry.record.owner, owner),
        ).length;
        if (init.maxThreadsOfOwner !== undefined && held >= init.maxThreadsOfOwner) {
          throw new GatewayError(
            GatewayErrorCode.LimitReached,
            `the owner holds ${held} threads (at most ${init.maxThreadsOfOwner})`,
          );
        }
        const at = now();
        const record: ThreadRecord = {
          id,
          owner: ownerCopy(owner),
          title: init.title ?? null,
          metadata: copy(init.metadata ?? {}),
          createdAt: at,
          updatedAt: at,
        };
        // A random first epoch: a thread created again under the same id is another generation.
        threads.set(id, {
          record,
          messages: new Map(),
          epoch: randomInt(1, 2 ** 31 - 1),
          ...(init.tenantKey === undefined ? {} : { tenantKey: init.tenantKey }),
        });
        return copy(record);
      });
    },

    ownerOf(kind, id) {
      return settle(() => {
        open();
        const owner = kind === 'thread' ? threads.get(id)?.record.owner : runs.get(id)?.row.owner;
        return owner === undefined ? undefined : ownerCopy(owner);
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
        const listed = [...threads.values()].filter(
          (entry) =>
            sameOwner(entry.record.owner, owner) ||
            (page.tenantKey !== undefined && entry.tenantKey === page.tenantKey),
        );
        const result = pageOf(listed, (entry) => ({ at: entry.record.updatedAt, id: entry.record.id }), page);
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

    ...memoryMessageMethods(state, suspendedRuns),

    ...memoryRunMethods(state),

    close() {
      return settle(state.close);
    },
  };
  return {
    threads: store,
    suspendedRuns,
    approvals: createMemoryApprovalInboxStore(state, suspendedRuns),
    close: () => store.close(),
  };
}
