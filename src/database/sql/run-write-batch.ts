import type { SqlQueryable } from './sql-engine.js';
import { closedOver, isUnavailable } from './store-errors.js';
import { RunIdInUseError } from '../../core/run-id-in-use-error.js';
import {
  allThreadlessEnds,
  BATCH_STATEMENT,
  batchParamsOf,
  statementOf,
  THREADLESS_ENDS_STATEMENT,
  THREADLESS_NEW_ENDS_STATEMENT,
  threadlessEndsParamsOf,
  type RunWrite,
} from './run-write-statements.js';

export type { RunWrite } from './run-write-statements.js';

/**
 * Most writes one statement carries: more than a busy gateway ends in one hold (`holdEndsMs`),
 * so that it sends one statement per hold. At 64, a gateway ending 3,000 chats a second sent
 * three statements per 50 ms hold instead of one; each statement has a fixed cost in the
 * gateway (the pool, the protocol, a wake-up of the server) and in the server (its plan,
 * commit and WAL flush), which the issue-81 anatomy measured (docs/PERFORMANCE.md).
 */
export const MAX_BATCH_WRITES = 512;
/** Most characters one statement carries, about (a single larger write goes alone). */
const MAX_BATCH_CHARS = 4 * 1024 * 1024;
/** What a write's columns but its messages add to a statement, about. */
const COLUMN_CHARS = 256;
/**
 * Most runs whose start went out that the batch remembers until their end (beyond, it forgets
 * them all: their ends then cost a failed insert before the upsert, nothing else).
 */
const MAX_STARTS_REMEMBERED = 16_384;

interface Queued {
  /** Its place in the order of `enqueue` calls (from 1). */
  seq: number;
  write: RunWrite;
  /** About how many characters it adds to a statement (its messages, and its columns). */
  chars: number;
  resolve: () => void;
  reject: (error: unknown) => void;
}

/** Writes runs' starts and ends through `enqueue`, batched (see `createRunWriteBatch`). */
export interface RunWriteBatch {
  /**
   * Resolves once the write is committed; rejects with the database's error, a down database's
   * as `GatewayError('store_unavailable')` (`closedOver`, named for the store call).
   */
  enqueue(write: RunWrite): Promise<void>;
  /**
   * Sends the ends held back (`holdEndsMs`) now; resolves once every write enqueued so far has
   * settled (never rejects).
   */
  flushNow(): Promise<void>;
}

/** Options of `createRunWriteBatch`. */
export interface RunWriteBatchOptions {
  /**
   * How long a run's end waits, when no statement is under way, for the ends of other runs to
   * share its statement (0: it goes at once). A start, `flushNow()` or a full batch sends it
   * sooner.
   */
  holdEndsMs?: number;
}

/**
 * Group commit for run records: a write goes out at once when no statement is under way (an end
 * after `holdEndsMs`, unless something asks for it sooner), and the writes that arrive while one
 * is (other runs starting and ending meanwhile) go out together in the next one, so a busy gateway makes one statement and one commit for many runs
 * instead of one or two each. Within a batch a run's end supersedes its start. Should a batch
 * fail for a reason other than the database being down (a thread deleted at that moment), its
 * writes are tried one by one, so each fails or lands on its own.
 */
export function createRunWriteBatch(db: SqlQueryable, options: RunWriteBatchOptions = {}): RunWriteBatch {
  const holdEndsMs = options.holdEndsMs ?? 0;
  const queue: Queued[] = [];
  /**
   * The runs whose start this batch sent and whose end it has not: their ends complete a record.
   * Other ends (most: a quick run's start is held back and folded into its end) write new ones.
   */
  const startsSent = new Set<string>();
  let flushing = false;
  let held: ReturnType<typeof setTimeout> | undefined;
  /** When the last statement went out (`paced`). */
  let lastSentAt = 0;
  /** How many writes were enqueued; every write up to `settledThrough` has settled. */
  let enqueued = 0;
  let settledThrough = 0;
  /** `flushNow` calls waiting for the writes up to `seq` to settle. */
  let waiters: Array<{ seq: number; resolve: () => void }> = [];
  /** A batch (a run of the queue from its head) settled: so did every write before it. */
  const settledUpTo = (seq: number): void => {
    settledThrough = seq;
    if (waiters.length === 0) return;
    const due = waiters.filter((waiter) => waiter.seq <= seq);
    waiters = waiters.filter((waiter) => waiter.seq > seq);
    for (const waiter of due) waiter.resolve();
  };

  /** Sends `batch`; resolves with its starts refused (another run's record has their id). */
  const send = async (batch: readonly Queued[]): Promise<readonly Queued[]> => {
    const [only] = batch;
    if (batch.length === 1 && only !== undefined) {
      // Alone, a write goes as a plain statement: far cheaper to plan than the batch's.
      const [text, params, name] = statementOf(only.write);
      const result = await db.query(text, params, name);
      return only.write.kind === 'start' && result.rows.length > 0 ? [only] : [];
    }
    const writes = batch.map((queued) => queued.write);
    if (allThreadlessEnds(writes)) {
      const params = threadlessEndsParamsOf(writes);
      if (!writes.some((write) => startsSent.has(write.run.id))) {
        try {
          await db.query(THREADLESS_NEW_ENDS_STATEMENT, params, 'agw_run_new_ends');
          return [];
        } catch (error) {
          // A record exists after all (another instance's start, an end written already): the
          // insert wrote nothing, and the upsert completes it.
          if (isUnavailable(error)) throw error;
        }
      }
      await db.query(THREADLESS_ENDS_STATEMENT, params, 'agw_run_ends');
      return [];
    }
    const result = await db.query<{ taken: string | number }>(
      BATCH_STATEMENT,
      batchParamsOf(writes),
      'agw_run_batch',
    );
    // `taken` is a write's ordinal in the batch, from 1.
    return result.rows.flatMap((row) => batch[Number(row.taken) - 1] ?? []);
  };

  /** Fails a write with the database's error, a down database's as the store call's. */
  const refuse = (queued: Queued, error: unknown): void => {
    queued.reject(closedOver(queued.write.kind === 'start' ? 'recordRunStart' : 'finishRun', error));
  };

  const takeBatch = (): Queued[] => {
    const batch: Queued[] = [];
    let chars = 0;
    while (queue.length > 0 && batch.length < MAX_BATCH_WRITES) {
      const next = queue[0];
      if (next === undefined || (batch.length > 0 && chars + next.chars > MAX_BATCH_CHARS)) break;
      queue.shift();
      batch.push(next);
      chars += next.chars;
    }
    return batch;
  };

  /**
   * What of a batch is sent: the last end of each run, and the starts of runs whose end is not
   * in it; the rest (a start an end supersedes, an end a later retry repeats) settles with it.
   */
  const split = (batch: readonly Queued[]): { sent: Queued[]; folded: Queued[] } => {
    const lastEnd = new Map<string, Queued>();
    for (const queued of batch) if (queued.write.kind === 'finish') lastEnd.set(queued.write.run.id, queued);
    const sent: Queued[] = [];
    const folded: Queued[] = [];
    for (const queued of batch) {
      const end = lastEnd.get(queued.write.run.id);
      const goes = queued.write.kind === 'finish' ? end === queued : end === undefined;
      (goes ? sent : folded).push(queued);
    }
    return { sent, folded };
  };

  /**
   * Whether the ends queued wait for the hold to run out since the last statement went out, so
   * that a busy gateway sends one statement per `holdEndsMs` (each carrying more ends) rather
   * than one as soon as the previous one is done: fewer statements, fewer wake-ups of the
   * server. Not when a start is queued, someone waits (`flushNow`), or the batch is full.
   */
  const paced = (): boolean => {
    if (holdEndsMs <= 0 || queue.length >= MAX_BATCH_WRITES || waiters.length > 0) return false;
    if (queue.some((queued) => queued.write.kind === 'start')) return false;
    const wait = lastSentAt + holdEndsMs - Date.now();
    if (wait <= 0) return false;
    held ??= setTimeout(release, wait);
    return true;
  };

  const flush = async (): Promise<void> => {
    flushing = true;
    try {
      while (queue.length > 0) {
        if (paced()) break;
        lastSentAt = Date.now();
        const taken = takeBatch();
        const last = taken[taken.length - 1]?.seq ?? settledThrough;
        const { sent, folded } = split(taken);
        const settle = (error?: unknown, taken: readonly Queued[] = []): void => {
          for (const queued of [...sent, ...folded]) {
            if (error !== undefined) refuse(queued, error);
            else if (taken.includes(queued)) queued.reject(new RunIdInUseError(queued.write.run.id));
            else queued.resolve();
          }
        };
        if (startsSent.size > MAX_STARTS_REMEMBERED) startsSent.clear();
        for (const queued of sent) if (queued.write.kind === 'start') startsSent.add(queued.write.run.id);
        try {
          settle(undefined, await send(sent));
        } catch (error) {
          if (isUnavailable(error) || sent.length === 1) settle(error);
          else {
            // One write spoils the batch: each goes alone.
            for (const queued of sent) {
              await send([queued]).then(
                (taken) =>
                  taken.length > 0
                    ? queued.reject(new RunIdInUseError(queued.write.run.id))
                    : queued.resolve(),
                (failure: unknown) => refuse(queued, failure),
              );
            }
            for (const queued of folded) queued.resolve();
          }
        }
        for (const queued of sent) if (queued.write.kind === 'finish') startsSent.delete(queued.write.run.id);
        settledUpTo(last);
      }
    } finally {
      flushing = false;
    }
  };

  /** Sends what is queued, unless a statement is under way (its loop sends it next). */
  const release = (): void => {
    clearTimeout(held);
    held = undefined;
    if (!flushing && queue.length > 0) void flush();
  };

  return {
    enqueue(write) {
      return new Promise<void>((resolve, reject) => {
        const chars = COLUMN_CHARS + (write.kind === 'finish' ? write.messagesJson.length : 0);
        enqueued += 1;
        queue.push({ seq: enqueued, write, chars, resolve, reject });
        if (flushing) return;
        if (write.kind === 'finish' && holdEndsMs > 0 && queue.length < MAX_BATCH_WRITES) {
          held ??= setTimeout(release, holdEndsMs);
          return;
        }
        release();
      });
    },
    flushNow() {
      const seq = enqueued;
      const waited =
        settledThrough >= seq
          ? Promise.resolve()
          : new Promise<void>((resolve) => {
              waiters.push({ seq, resolve });
            });
      release();
      return waited;
    },
  };
}
