import { GatewayError } from '../../core/errors.js';
import type { Message } from '../../core/messages.js';
import type {
  ApprovalRecordRow,
  RunRecordRow,
  RunStartRecord,
  StoredMessage,
  ThreadOwner,
  ThreadRecord,
} from '../../core/thread-store.js';
import { ChurnMap } from '../../core/churn-map.js';

/** A thread, its messages by sequence number and its generation. */
export interface ThreadEntry {
  record: ThreadRecord;
  messages: Map<number, StoredMessage>;
  /** The thread's generation, as the SQL stores' `history_epoch`: random at creation, bumped by a truncation. */
  epoch: number;
  /** The tenant key it was created under (`createThread`'s `tenantKey`), listed by it. */
  tenantKey?: string;
}

/** A run's record and the approvals decided in it. */
export interface RunEntry {
  row: RunRecordRow;
  approvals: ApprovalRecordRow[];
}

/** Runs `work` now and hands its result (or its throw) over as a promise. */
export function settle<Result>(work: () => Result): Promise<Result> {
  try {
    return Promise.resolve(work());
  } catch (error) {
    return Promise.reject(error instanceof Error ? error : new Error(String(error)));
  }
}

/** Whether two owners are the same API key and user. */
export const sameOwner = (left: ThreadOwner, right: ThreadOwner): boolean =>
  left.apiKeyHash === right.apiKeyHash && left.user === right.user;

/** A deep copy: nothing handed in or out shares memory with the store. */
export const copy = <Value>(value: Value): Value => structuredClone(value);

/** The owner with only its own fields. */
export const ownerCopy = (owner: ThreadOwner): ThreadOwner =>
  owner.user === undefined
    ? { apiKeyHash: owner.apiKeyHash }
    : { apiKeyHash: owner.apiKeyHash, user: owner.user };

/**
 * What the parts of one memory thread store share: its maps, its clock and the helpers that
 * more than one part uses. Every method of the store goes through `open()` first.
 */
export interface MemoryThreadState {
  threads: Map<string, ThreadEntry>;
  runs: Map<string, RunEntry>;
  now: () => number;
  /** Throws `store_unavailable` once the store is closed. */
  open: () => void;
  /** Marks the store closed and empties it. */
  close: () => void;
  /** The thread if `owner` owns it. */
  ownThread: (owner: ThreadOwner, threadId: string) => ThreadEntry | undefined;
  /** The run if `owner` owns it. */
  ownRun: (owner: ThreadOwner, runId: string) => RunEntry | undefined;
  /** Deletes a thread with its messages, runs and their approvals. */
  forget: (threadId: string) => void;
  /** Whether the run's thread is still the one it read (`RunThreadGuard`); true without a thread. */
  holdsThread: (run: RunStartRecord) => boolean;
  /** Appends messages by sequence number; a sequence already written keeps its message. */
  append: (entry: ThreadEntry, runId: string, firstSeq: number, messages: readonly Message[]) => void;
  /** Writes a new run record, running, from its start. */
  startRun: (run: RunStartRecord) => void;
}

/** The empty, open state of a memory thread store with the clock `now`. */
export function createMemoryThreadState(now: () => number): MemoryThreadState {
  const threads = new ChurnMap<string, ThreadEntry>();
  const runs = new ChurnMap<string, RunEntry>();
  let closed = false;

  const open = (): void => {
    if (closed) throw new GatewayError('store_unavailable', 'the thread store is closed');
  };
  const close = (): void => {
    closed = true;
    threads.clear();
    runs.clear();
  };
  const ownThread = (owner: ThreadOwner, threadId: string): ThreadEntry | undefined => {
    const entry = threads.get(threadId);
    return entry !== undefined && sameOwner(entry.record.owner, owner) ? entry : undefined;
  };
  const ownRun = (owner: ThreadOwner, runId: string): RunEntry | undefined => {
    const entry = runs.get(runId);
    return entry !== undefined && sameOwner(entry.row.owner, owner) ? entry : undefined;
  };
  const forget = (threadId: string): void => {
    threads.delete(threadId);
    for (const [runId, run] of runs) if (run.row.threadId === threadId) runs.delete(runId);
  };
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

  return { threads, runs, now, open, close, ownThread, ownRun, forget, holdsThread, append, startRun };
}
