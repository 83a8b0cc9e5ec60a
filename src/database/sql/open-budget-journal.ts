import { close, closeSync, mkdirSync, openSync, writeSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { BUDGET_JOURNAL_FOLDER, segmentName, type BudgetJournal } from './budget-journal.js';

/**
 * Writes `length` bytes of `data` from `offset` at the end of the file open as `descriptor`, and
 * calls `done` with how many it wrote (a regular file takes them all unless it fails).
 */
export type JournalWrite = (
  descriptor: number,
  data: Uint8Array,
  offset: number,
  length: number,
  done: (error: NodeJS.ErrnoException | null, written: number) => void,
) => void;

/** Options of `openBudgetJournal`. */
export interface BudgetJournalOptions {
  /** The write the lines go out with: `fs.writeSync` unless given (tests count, hold or fail writes). */
  write?: JournalWrite | undefined;
  /**
   * How many turns of the event loop a write waits for lines, counting the turn that asked for
   * it: 2 unless given (the lines of that turn and the next share it), 1 for a write at the end
   * of the turn that asked.
   */
  turns?: number | undefined;
}

/**
 * A write waits for the lines of two turns unless told otherwise. A write costs the event loop
 * about 20 µs under load (a system call with the caches cold), however few lines it carries, and
 * a busy gateway reserves in nearly every turn: waiting a turn more halves the writes. Served
 * with one budget, the gateway then spent 24-31 µs less per chat, more than the writes alone
 * explain (docs/PERFORMANCE.md); an idle one waits one empty turn, a few µs.
 */
const DEFAULT_TURNS = 2;

/** Whoever waits for one write: the callers of `append` whose lines it carries, a seal, a close. */
interface Waiters {
  promise: Promise<void>;
  resolve: () => void;
  reject: (error: unknown) => void;
}

/** One write: the bytes a failed write left (whole lines), then the lines appended since. */
interface WriteJob {
  carried: Buffer | undefined;
  text: string;
  waiters: Waiters;
  /** Closes the segment once written (a seal's write), then names it here. */
  seal: boolean;
  sealedPath?: string | undefined;
}

const NEWLINE = Buffer.from('\n');

/**
 * One `write` system call on the event loop's thread: a regular file's write lands in the page
 * cache at once, so the group's one call costs less there than handing it to the thread pool
 * (measured: the pool's hand-off alone took the event loop longer than a group's write).
 */
const writeAtEnd: JournalWrite = (descriptor, data, offset, length, done) => {
  let written: number;
  try {
    written = writeSync(descriptor, data, offset, length, null);
  } catch (error) {
    done(error as NodeJS.ErrnoException, 0);
    return;
  }
  done(null, written);
};

const createWaiters = (): Waiters => {
  const waiters = {} as Waiters;
  waiters.promise = new Promise<void>((resolve, reject) => {
    waiters.resolve = resolve;
    waiters.reject = reject;
  });
  // Whoever asked holds the promise; a write that failed with nobody left waiting is no crash.
  waiters.promise.catch(() => undefined);
  return waiters;
};

/** `first` then `second`, either of which may be absent. */
const joined = (first: Buffer | undefined, second: Buffer | undefined): Buffer | undefined =>
  first === undefined ? second : second === undefined ? first : Buffer.concat([first, second]);

/**
 * The journal in `dir` (the embedded data folder; see `BudgetJournal`). Segment numbers go on
 * from `nextSequence` (one past the highest left on disk, which the caller replays and discards
 * first). A write starts at the end of the event loop's `turns`-th turn counted from the one
 * that asked for it (`setImmediate`: so the appends of every request read in those turns share
 * it), or, when one is under way, as soon as that one completes. A write that fails leaves its
 * unwritten lines, whole, to the next write, after a newline when it cut one short (a line cut
 * short is skipped at replay), so the segment's lines stay in append order and none is lost.
 */
export function openBudgetJournal(
  dir: string,
  nextSequence: number,
  options: BudgetJournalOptions = {},
): BudgetJournal {
  const writeTo = options.write ?? writeAtEnd;
  const turns = options.turns ?? DEFAULT_TURNS;
  if (!Number.isSafeInteger(turns) || turns < 1) {
    throw new RangeError(`the budget journal's turns must be a whole number of at least 1: ${turns}`);
  }
  const folder = join(dir, BUDGET_JOURNAL_FOLDER);
  let sequence = nextSequence;
  let segment: { descriptor: number; path: string } | undefined;
  /** Bytes (near enough: UTF-16 units) appended to the segment lines now go to, written or not. */
  let segmentBytes = 0;
  /** Lines appended and not yet in a write, and whoever waits for them. */
  let pending = '';
  let pendingWaiters: Waiters | undefined;
  /** Whether a line in `pending` asked for a write (a held one waits for one). */
  let wanted = false;
  /** Whole lines a failed write left, to be written before `pending`. */
  let carried: Buffer | undefined;
  /** A seal's write, taken at the seal and run before any later line. */
  let sealing: WriteJob | undefined;
  let writing: WriteJob | undefined;
  let scheduled = false;
  /** Turns of the event loop the scheduled write waits still, counting the one under way. */
  let turnsLeft = 0;
  let closed = false;
  let closing: Promise<void> | undefined;

  const take = (seal: boolean): WriteJob => {
    const job: WriteJob = { carried, text: pending, waiters: pendingWaiters ?? createWaiters(), seal };
    carried = undefined;
    pending = '';
    pendingWaiters = undefined;
    wanted = false;
    return job;
  };

  const pump = (): void => {
    scheduled = false;
    if (writing !== undefined) return;
    const job = sealing ?? (wanted ? take(false) : undefined);
    sealing = undefined;
    if (job !== undefined) run(job);
  };

  /** At the end of a turn: the write, or one more turn's wait for lines. */
  const turnEnded = (): void => {
    turnsLeft -= 1;
    if (turnsLeft > 0) setImmediate(turnEnded);
    else pump();
  };

  const schedule = (): void => {
    if (scheduled || writing !== undefined) return;
    scheduled = true;
    turnsLeft = turns;
    // After the rest of this turn of the event loop (and `turns - 1` more): every reservation
    // made by the requests they read shares the write.
    setImmediate(turnEnded);
  };

  const finished = (job: WriteJob, error: unknown): void => {
    writing = undefined;
    if (error === undefined) job.waiters.resolve();
    else job.waiters.reject(error);
    if (sealing !== undefined || wanted) pump();
  };

  const run = (job: WriteJob): void => {
    writing = job;
    const text = Buffer.from(job.text, 'utf8');
    const data = job.carried === undefined ? text : Buffer.concat([job.carried, text]);
    let done = 0;
    const fail = (error: unknown): void => {
      // Lines written whole stay; the rest goes first in the next write, which ends a line cut short.
      const lineStart = done === 0 ? 0 : data.lastIndexOf(0x0a, done - 1) + 1;
      const rest = data.subarray(lineStart);
      const left = done > lineStart ? Buffer.concat([NEWLINE, rest]) : rest;
      if (sealing !== undefined) sealing.carried = joined(left, sealing.carried);
      else carried = joined(left, carried);
      if (job.seal) segmentBytes += left.length;
      finished(job, error);
    };
    const complete = (): void => {
      if (!job.seal || segment === undefined) return finished(job, undefined);
      const { descriptor, path } = segment;
      segment = undefined;
      job.sealedPath = path;
      // Every byte is written: a failing close cannot lose one, so the seal stands.
      close(descriptor, () => finished(job, undefined));
    };
    const step = (): void => {
      if (done === data.length) return complete();
      const descriptor = segment?.descriptor;
      if (descriptor === undefined) return fail(new Error('the budget journal has no open segment'));
      writeTo(descriptor, data, done, data.length - done, (error, written) => {
        if (error !== null) return fail(error);
        if (written <= 0) return fail(new Error('the budget journal wrote nothing'));
        done += written;
        step();
      });
    };
    if (data.length > 0 && segment === undefined) {
      try {
        mkdirSync(folder, { recursive: true, mode: 0o700 });
        const path = join(folder, segmentName(sequence));
        segment = { descriptor: openSync(path, 'a', 0o600), path };
        sequence += 1;
      } catch (error) {
        return fail(error);
      }
    }
    step();
  };

  /** Resolves once every line appended so far is written (each failed write carries its rest on). */
  const allWritten = (): Promise<void> => {
    if (pending !== '' || carried !== undefined) {
      wanted = true;
      pendingWaiters ??= createWaiters();
      schedule();
      return pendingWaiters.promise;
    }
    return (sealing ?? writing)?.waiters.promise ?? Promise.resolve();
  };

  const sealNow = (minBytes: number): Promise<string | undefined> => {
    if (sealing !== undefined) return Promise.reject(new Error('the budget journal is being sealed already'));
    if (segmentBytes < Math.max(1, minBytes)) return allWritten().then(() => undefined);
    const job = take(true);
    segmentBytes = 0;
    sealing = job;
    schedule();
    return job.waiters.promise.then(() => job.sealedPath);
  };

  const appendText = (line: string): void => {
    if (closed) throw new Error('the budget journal is closed');
    pending += `${line}\n`;
    segmentBytes += line.length + 1;
  };

  return {
    append(line) {
      appendText(line);
      wanted = true;
      pendingWaiters ??= createWaiters();
      schedule();
      return pendingWaiters.promise;
    },
    hold: appendText,
    seal(minBytes) {
      if (closed) return Promise.resolve(undefined);
      return sealNow(minBytes);
    },
    async discard(segments) {
      await Promise.all(segments.map((path) => rm(path, { force: true })));
    },
    close() {
      if (closing !== undefined) return closing;
      closed = true;
      // A seal taken already goes first (one seal at a time); the rest is this seal's.
      const before = sealing?.waiters.promise ?? Promise.resolve();
      closing = before
        .catch(() => undefined)
        .then(() => sealNow(0))
        .then(() => undefined)
        .finally(() => {
          // A segment a failed write left open is closed all the same: what it holds is replayed.
          if (segment !== undefined) closeSync(segment.descriptor);
          segment = undefined;
        });
      return closing;
    },
  };
}
