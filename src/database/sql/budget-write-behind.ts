import type { BudgetJournal } from './budget-journal.js';
import { writeBudgetBatch, type BudgetWrite } from './sql-budget-batch.js';
import type { SqlQueryable } from './sql-engine.js';

/** Options of `createBudgetWriteBehind`. */
export interface BudgetWriteBehindOptions {
  db: SqlQueryable;
  journal: BudgetJournal;
  /** How long a write waits for others to share its statement (ms). */
  holdMs: number;
  /** How long a failed batch waits before it is tried again (ms). */
  retryMs: number;
  /** Where a failed batch is reported (its writes stay queued and in the journal). */
  onError: (error: unknown) => void;
}

/** Budget writes journaled at once and committed in batches (see `createBudgetWriteBehind`). */
export interface BudgetWriteBehind {
  /** Journals `write` now (throws if the journal cannot take it) and queues it for the next batch. */
  push(write: BudgetWrite): void;
  /** The writes journaled and not yet committed, oldest first. */
  pending(): readonly BudgetWrite[];
  /** Resolves once every write pushed so far is committed; rejects with the batch's error. */
  flushAll(): Promise<void>;
  /** Runs `work` with every write so far committed and no batch sent until it ends. */
  exclusive<Value>(work: () => Promise<Value>): Promise<Value>;
  /** Stops the timer, commits what it can (what it cannot stays in the journal), closes the journal. Idempotent. */
  close(): Promise<void>;
}

/**
 * Group commit for a sole writer's budget writes: each write is in the journal before `push`
 * returns, and goes to the database with the others of the next `holdMs` in one statement
 * (`writeBudgetBatch`), so a busy gateway sends one statement for many calls and an idle one
 * none. The journal's segments of a batch are removed once it is committed; a batch that fails
 * is tried again with the writes that came meanwhile.
 */
export function createBudgetWriteBehind(options: BudgetWriteBehindOptions): BudgetWriteBehind {
  const { db, journal } = options;
  let queue: BudgetWrite[] = [];
  let sealed: string[] = [];
  let timer: ReturnType<typeof setTimeout> | undefined;
  let flushing: Promise<void> | undefined;
  let paused: Promise<unknown> | undefined;
  let closing: Promise<void> | undefined;

  const schedule = (delayMs: number): void => {
    if (timer !== undefined || closing !== undefined || queue.length === 0) return;
    timer = setTimeout(() => {
      timer = undefined;
      flushOnce().catch(options.onError);
    }, delayMs);
    timer.unref();
  };

  /** Sends what is queued in one batch; the writes that come meanwhile wait for the next. */
  const flushOnce = (): Promise<void> => {
    if (flushing !== undefined) return flushing;
    let nextDelayMs = options.holdMs;
    flushing = (async () => {
      while (paused !== undefined) await paused.catch(() => undefined);
      const writes = queue;
      queue = [];
      const segment = journal.seal();
      const segments = segment === undefined ? sealed : [...sealed, segment];
      sealed = [];
      try {
        await writeBudgetBatch(db, writes);
      } catch (error) {
        queue = [...writes, ...queue];
        sealed = [...segments, ...sealed];
        nextDelayMs = options.retryMs;
        throw error;
      }
      await journal.discard(segments);
    })().finally(() => {
      flushing = undefined;
      schedule(nextDelayMs);
    });
    return flushing;
  };

  const flushAll = async (): Promise<void> => {
    while (flushing !== undefined || queue.length > 0) await flushOnce();
  };

  return {
    push(write) {
      if (closing !== undefined) throw new Error('the budget counters are closed');
      journal.append(write);
      queue.push(write);
      schedule(options.holdMs);
    },
    pending: () => queue,
    flushAll,
    async exclusive(work) {
      await flushAll();
      const running = work();
      paused = running;
      try {
        return await running;
      } finally {
        if (paused === running) paused = undefined;
      }
    },
    close() {
      closing ??= (async () => {
        if (timer !== undefined) clearTimeout(timer);
        timer = undefined;
        try {
          await flushAll();
        } catch (error) {
          options.onError(error);
        } finally {
          journal.close();
        }
      })();
      return closing;
    },
  };
}
