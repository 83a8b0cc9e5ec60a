import { randomBytes, randomInt } from 'node:crypto';
import { z } from 'zod';
import { callable, parseOptions } from '../../core/parse-options.js';
import { GatewayError, GatewayErrorCode } from '../../core/errors.js';
import type { Message } from '../../core/messages.js';
import { checkThreadId, checkTitle, metadataJson } from '../sql/check-thread-input.js';
import { checkBatchLimit } from '../sql/delete-idle-threads.js';
import { pageOf } from './memory-page.js';
import type {
  ApprovalRecordRow,
  Page,
  RunRecordRow,
  RunStartRecord,
  StoredMessage,
  ThreadOwner,
  ThreadRecord,
  ThreadStore,
} from '../../core/thread-store.js';
import { createMemorySuspendedRunStore } from './memory-suspended-run-store.js';

const memoryThreadStoreOptionsSchema = z.strictObject({
  /** Clock in milliseconds since the epoch (default `Date.now`). */
  now: callable<() => number>().optional(),
});

/** Options of `createMemoryThreadStore`. */
export type MemoryThreadStoreOptions = z.input<typeof memoryThreadStoreOptionsSchema>;

interface ThreadEntry {
  record: ThreadRecord;
  messages: Map<number, StoredMessage>;
  /** The thread's generation, as the SQL stores' `history_epoch`: random at creation, bumped by a truncation. */
  epoch: number;
}

interface RunEntry {
  row: RunRecordRow;
  approvals: ApprovalRecordRow[];
}

/** Runs `work` now and hands its result (or its throw) over as a promise. */
function settle<Result>(work: () => Result): Promise<Result> {
  try {
    return Promise.resolve(work());
  } catch (error) {
    return Promise.reject(error instanceof Error ? error : new Error(String(error)));
  }
}

const sameOwner = (left: ThreadOwner, right: ThreadOwner): boolean =>
  left.apiKeyHash === right.apiKeyHash && left.user === right.user;

const copy = <Value>(value: Value): Value => structuredClone(value);

const ownerCopy = (owner: ThreadOwner): ThreadOwner =>
  owner.user === undefined
    ? { apiKeyHash: owner.apiKeyHash }
    : { apiKeyHash: owner.apiKeyHash, user: owner.user };

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
  /** Whether the run's thread is still the one it read (`RunThreadGuard`); true without a thread. */
  const holdsThread = (run: RunStartRecord): boolean => {
    if (run.threadId === null) return true;
    const entry = threads.get(run.threadId);
    return (
      entry !== undefined &&
      sameOwner(entry.record.owner, run.owner) &&
      (run.threadEpoch === undefined || run.threadEpoch === entry.epoch)
    );
  };
  const append = (
    entry: ThreadEntry,
    runId: string,
    firstSeq: number,
    messages: readonly Message[],
  ): void => {
    if (!Number.isInteger(firstSeq) || firstSeq < 0) {
      throw new GatewayError('invalid_option', `firstSeq must be an integer >= 0, got ${firstSeq}`);
    }
    const at = now();
    messages.forEach((message, index) => {
      const seq = firstSeq + index;
      // Idempotent by (thread, seq): a repeated turn keeps what was written first.
      if (!entry.messages.has(seq))
        entry.messages.set(seq, { seq, runId, message: copy(message), createdAt: at });
    });
    if (messages.length > 0) entry.record.updatedAt = Math.max(at, entry.record.updatedAt);
  };
  const startRun = (run: RunStartRecord): void => {
    const { threadEpoch: _guard, ...start } = run;
    runs.set(run.id, {
      row: {
        ...copy(start),
        owner: ownerCopy(run.owner),
        status: 'running',
        outcomeCode: null,
        turns: 0,
        usage: null,
        estimatedCostUsd: null,
        endedAt: null,
      },
      approvals: [],
    });
  };
  const ownRun = (owner: ThreadOwner, runId: string): RunEntry | undefined => {
    const entry = runs.get(runId);
    return entry !== undefined && sameOwner(entry.row.owner, owner) ? entry : undefined;
  };

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
        const held = [...threads.values()].filter((entry) => sameOwner(entry.record.owner, owner)).length;
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
        threads.set(id, { record, messages: new Map(), epoch: randomInt(1, 2 ** 31 - 1) });
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

    async loadThreadTurn(owner, threadId) {
      const suspendedRunId = await suspendedRuns.ofThread(threadId);
      open();
      const entry = ownThread(owner, threadId);
      if (entry === undefined) return undefined;
      const messages = [...entry.messages.values()].sort((left, right) => left.seq - right.seq).map(copy);
      return { messages, epoch: entry.epoch, ...(suspendedRunId === undefined ? {} : { suspendedRunId }) };
    },

    appendMessages(threadId, runId, firstSeq, messages: readonly Message[]) {
      return settle(() => {
        open();
        // A thread deleted while its run went on keeps nothing of it.
        const entry = threads.get(threadId);
        if (entry !== undefined) append(entry, runId, firstSeq, messages);
      });
    },

    truncateMessages(owner, threadId, fromSeq) {
      return settle(() => {
        open();
        const entry = ownThread(owner, threadId);
        if (entry === undefined) return false;
        for (const seq of [...entry.messages.keys()]) if (seq >= fromSeq) entry.messages.delete(seq);
        entry.epoch += 1;
        return true;
      });
    },

    recordRunStart(run) {
      return settle(() => {
        open();
        if (!runs.has(run.id) && holdsThread(run)) startRun(run);
      });
    },

    finishRun(run, added) {
      return settle(() => {
        open();
        const held = holdsThread(run);
        const thread = run.threadId === null ? undefined : threads.get(run.threadId);
        if (held && thread !== undefined && added !== undefined) {
          append(thread, run.id, added.firstSeq, added.messages);
        }
        // A record its start wrote is completed; a new one only in a thread the run still holds.
        if (!runs.has(run.id) && held) startRun(run);
        const entry = runs.get(run.id);
        const { status, outcomeCode, turns, usage, estimatedCostUsd, endedAt } = run;
        if (entry !== undefined) {
          entry.row = {
            ...entry.row,
            ...copy({ status, outcomeCode, turns, usage, estimatedCostUsd, endedAt }),
          };
        }
      });
    },

    recordRunEnd(runId, end) {
      return settle(() => {
        open();
        const entry = runs.get(runId);
        if (entry === undefined) return;
        entry.row = { ...entry.row, ...copy(end) };
      });
    },

    getRun(owner, runId) {
      return settle(() => {
        open();
        const entry = ownRun(owner, runId);
        return entry === undefined ? undefined : copy(entry.row);
      });
    },

    listRuns(owner, threadId, page) {
      return settle(() => {
        open();
        if (ownThread(owner, threadId) === undefined) return undefined;
        const own = [...runs.values()].filter(
          (entry) => entry.row.threadId === threadId && sameOwner(entry.row.owner, owner),
        );
        const result = pageOf(own, (entry) => ({ at: entry.row.startedAt, id: entry.row.id }), page);
        return {
          items: result.items.map((entry) => copy(entry.row)),
          ...(result.nextCursor === undefined ? {} : { nextCursor: result.nextCursor }),
        };
      });
    },

    recordApproval(decision) {
      return settle(() => {
        open();
        const approvals = runs.get(decision.runId)?.approvals;
        // Once each: a decision recorded again (a retried write) keeps the first.
        if (approvals !== undefined && !approvals.some((known) => known.toolCallId === decision.toolCallId)) {
          approvals.push(copy(decision));
        }
      });
    },

    listApprovals(owner, runId) {
      return settle(() => {
        open();
        const entry = ownRun(owner, runId);
        return entry === undefined ? undefined : entry.approvals.map(copy);
      });
    },

    close() {
      return settle(() => {
        closed = true;
        threads.clear();
        runs.clear();
      });
    },
  };
}
