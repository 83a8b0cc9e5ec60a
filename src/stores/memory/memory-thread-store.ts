import { randomBytes } from 'node:crypto';
import { z } from 'zod';
import { callable, parseOptions } from '../../core/parse-options.js';
import { GatewayError } from '../../core/errors.js';
import type { Message } from '../../core/messages.js';
import { checkThreadId, checkTitle, metadataJson } from '../sql/check-thread-input.js';
import { checkBatchLimit } from '../sql/delete-idle-threads.js';
import { decodeCursor, encodeCursor, type CursorPosition } from '../sql/page-cursor.js';
import type {
  ApprovalRecordRow,
  Page,
  RunRecordRow,
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

/** Newest first: later `at`, then the greater id (the order the SQL stores use). */
const isAfterInList = (item: CursorPosition, cursor: CursorPosition): boolean =>
  item.at < cursor.at || (item.at === cursor.at && item.id < cursor.id);

function pageOf<Entry>(
  entries: Entry[],
  positionOf: (entry: Entry) => CursorPosition,
  page: { limit: number; cursor?: string },
): { items: Entry[]; nextCursor?: string } {
  if (!Number.isInteger(page.limit) || page.limit < 1) {
    throw new GatewayError('invalid_option', `limit must be a positive integer, got ${page.limit}`);
  }
  const cursor = page.cursor === undefined ? undefined : decodeCursor(page.cursor);
  const sorted = entries
    .filter((entry) => cursor === undefined || isAfterInList(positionOf(entry), cursor))
    .sort((left, right) => {
      const a = positionOf(left);
      const b = positionOf(right);
      return b.at - a.at || (b.id < a.id ? -1 : b.id > a.id ? 1 : 0);
    });
  const items = sorted.slice(0, page.limit);
  const last = items.at(-1);
  return sorted.length > page.limit && last !== undefined
    ? { items, nextCursor: encodeCursor(positionOf(last)) }
    : { items };
}

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

    recordRunStart(run) {
      return settle(() => {
        open();
        if (runs.has(run.id)) return;
        runs.set(run.id, {
          row: {
            ...copy(run),
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
        const own = [...runs.values()].filter((entry) => entry.row.threadId === threadId);
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
