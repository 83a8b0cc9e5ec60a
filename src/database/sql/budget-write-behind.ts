import type { BudgetJournal } from './budget-journal.js';
import { budgetLineOf, type EndWrite, type ReserveWrite } from './budget-lines.js';
import { BudgetBatch, writeBudgetBatchOf } from './sql-budget-batch.js';
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

/** How large the journal's open segment grows before a batch seals it (it is removed once committed). */
const SEGMENT_BYTES = 1024 * 1024;

/** Budget writes journaled at once and committed in batches (see `createBudgetWriteBehind`). */
export interface BudgetWriteBehind {
  /**
   * Journals a reservation and queues it for the next batch (throws once closed). The promise
   * resolves once its line is written to the journal (the call may go to the model then), and
   * rejects when that write failed: the caller undoes the reservation (`pushEnd`).
   */
  pushReserve(write: ReserveWrite): Promise<void>;
  /** Queues a reservation's end, held for the journal's next write (throws once closed). */
  pushEnd(write: EndWrite): void;
  /** Resolves once every write pushed so far is committed; rejects with the batch's error. */
  flushAll(): Promise<void>;
  /** Runs `work` with every write so far committed and no batch sent until it ends. */
  exclusive<Value>(work: () => Promise<Value>): Promise<Value>;
  /** Stops the timer, commits what it can (what it cannot stays in the journal), closes the journal. Idempotent. */
  close(): Promise<void>;
}

/**
 * Group commit for a sole writer's budget writes: each is journaled (a reservation's caller
 * waits for its line to be written; an end rides with the next write), and goes to the database
 * with the others of the next `holdMs` in one statement (`BudgetBatch`: a call reserved and
 * settled within the batch is one ledger row), so a busy gateway sends one statement for many
 * calls and an idle one none. A batch first has the journal write every line it holds (so the
 * database never holds a write the journal lacks), and its segments are removed once it is
 * committed; a batch that fails is tried again, before the writes that came meanwhile.
 */
export function createBudgetWriteBehind(options: BudgetWriteBehindOptions): BudgetWriteBehind {
  const { db, journal } = options;
  /**
   * The writes journaled and not yet sent, gathered as the statement reads them (`BudgetBatch`:
   * each line held as the journal's text, and a reservation's write until it ends, so that a
   * pair becomes one ledger row). Batches that failed wait in `unsent`, oldest first, and go
   * before it, one statement each: a batch may end a reservation an earlier one holds.
   */
  let current = new BudgetBatch();
  let unsent: BudgetBatch[] = [];
  /** Writes pushed so far, and committed so far: a sealed segment goes once its last is committed. */
  let pushed = 0;
  let committed = 0;
  let sealed: Array<{ path: string; lastWrite: number }> = [];
  let timer: ReturnType<typeof setTimeout> | undefined;
  let flushing: Promise<void> | undefined;
  let paused: Promise<unknown> | undefined;
  let closing: Promise<void> | undefined;

  const schedule = (delayMs: number): void => {
    if (timer !== undefined || closing !== undefined || (current.size === 0 && unsent.length === 0)) return;
    timer = setTimeout(() => {
      timer = undefined;
      flushOnce(true).catch(options.onError);
    }, delayMs);
    timer.unref();
  };

  /**
   * Sends what is queued in one batch; the writes that come meanwhile wait for the next. With
   * `carry` (the timer's flushes), reservations still open go with the next batch instead, once
   * (`BudgetBatch.carryOpen`), where most meet their settle as a pair; what needs every write
   * committed (`flushAll`, `close`) carries nothing.
   */
  const flushOnce = (carry = false): Promise<void> => {
    if (flushing !== undefined) return flushing;
    let nextDelayMs = options.holdMs;
    flushing = (async () => {
      while (paused !== undefined) await paused.catch(() => undefined);
      const batches = [...unsent, current];
      unsent = [];
      current = carry ? current.carryOpen() : new BudgetBatch();
      const upTo = pushed;
      try {
        // The seal takes the lines journaled so far at once: later ones go to the next segment.
        const path = await journal.seal(closing === undefined ? SEGMENT_BYTES : 0);
        if (path !== undefined) sealed.push({ path, lastWrite: upTo });
        while (batches.length > 0) {
          await writeBudgetBatchOf(db, batches[0] as BudgetBatch);
          batches.shift();
        }
      } catch (error) {
        unsent = batches;
        nextDelayMs = options.retryMs;
        throw error;
      }
      // A carried reservation is in the journal's segments, not yet in the database: they stay.
      const carried = current.firstCarried;
      committed = carried === undefined ? upTo : Math.min(upTo, carried - 1);
      const done = sealed.filter((segment) => segment.lastWrite <= committed);
      sealed = sealed.filter((segment) => segment.lastWrite > committed);
      await journal.discard(done.map((segment) => segment.path));
    })().finally(() => {
      flushing = undefined;
      schedule(nextDelayMs);
    });
    return flushing;
  };

  /** Counts a write the journal took and the current batch holds. */
  const queued = (): void => {
    pushed += 1;
    schedule(options.holdMs);
  };

  const flushAll = async (): Promise<void> => {
    while (flushing !== undefined || current.size > 0 || unsent.length > 0) await flushOnce();
  };

  return {
    pushReserve(write) {
      if (closing !== undefined) throw new Error('the budget counters are closed');
      const line = budgetLineOf(write);
      const written = journal.append(line);
      // Its number among the writes, counted from 1 as `pushed` counts them.
      current.addReserve(write, line, pushed + 1);
      queued();
      return written;
    },
    pushEnd(write) {
      if (closing !== undefined) throw new Error('the budget counters are closed');
      const line = budgetLineOf(write);
      journal.hold(line);
      current.addEnd(write, line);
      queued();
    },
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
          // Every write committed: a last batch seals the open segment (whatever its size) and removes it.
          await flushOnce();
        } catch (error) {
          options.onError(error);
        } finally {
          await journal.close().catch(options.onError);
        }
      })();
      return closing;
    },
  };
}
