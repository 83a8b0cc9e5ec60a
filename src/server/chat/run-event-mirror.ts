import { approximateJsonBytes } from '../../core/approximate-json-bytes.js';
import type { LogEntry } from '../../core/events.js';
import type { RunDirectory, RunEventLogStore } from '../../core/stores.js';

/** Options of `createRunEventMirror`. */
export interface RunEventMirrorOptions {
  runId: string;
  sessionId: string;
  store: RunEventLogStore;
  directory: RunDirectory;
  /** How long the copies stay after the run ended (stream retention), in ms. */
  retentionMs: number;
  /**
   * Bytes of events (as JSON) the shared copy keeps once the run ended: older ones are dropped
   * (`RunEventLogStore.trimToBytes`, when the store has it). Default: no limit.
   */
  maxRetainedBytes?: number;
  /**
   * The shared copy holds entries written before this mirror (a run taken over): their size is
   * unknown here, so the copy is always measured on the store at the end.
   */
  continued?: boolean;
  /**
   * Replaces the run's end writes (retention, then the directory's `markFinished`) with one
   * call doing them (and maybe more: the stores' `RunBookkeeping.finish`); retried like them.
   */
  finalize?: () => Promise<void>;
  /** Told about each failed write (it is retried). */
  report: (error: unknown, where: string) => void;
  /**
   * The run's lease epoch: appends are refused once another instance took the run over, and
   * the mirror then stops and calls `onFenced`.
   */
  fence?: { epoch: number };
  onFenced?: () => void;
  /** Told the last seq of each batch once it is stored (local readers may then see it). */
  onWritten?: (seq: number) => void;
  /** Told when `close()` stops the mirror (app shutdown): nothing more will be stored. */
  onClosed?: () => void;
  /** First and longest pause between retries of a failed write, in ms (100 and 2 000 unless given). */
  minRetryDelayMs?: number;
  maxRetryDelayMs?: number;
}

/**
 * Replaces, in place, every entry whose event JSON cannot encode with a `stream_error` naming
 * why; true when it replaced any.
 */
function replaceUnserialisable(batch: LogEntry[]): boolean {
  let replaced = false;
  for (const [index, entry] of batch.entries()) {
    try {
      JSON.stringify(entry.event);
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      batch[index] = {
        seq: entry.seq,
        event: {
          type: 'stream_error',
          error: `a ${entry.event.type} event could not be serialised: ${reason}`,
        },
      };
      replaced = true;
    }
  }
  return replaced;
}

/** Resolves in the next turn of the event loop, once the work already queued ran. */
const nextTurn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/** Copies one run's event log into the shared store. */
export interface RunEventMirror {
  /** Queues an entry; never waits (called from the event log's append). */
  push(entry: LogEntry): void;
  /** Resolves once every entry queued so far is written (or the mirror stopped). */
  flush(): Promise<void>;
  /**
   * Marks the run finished: once every queued entry is written, the log's retention is set and
   * the directory entry marked finished (or `finalize` ran). Resolves then, to true; to false
   * when the mirror stopped first (fenced or closed) and those writes were not made.
   */
  finish(): Promise<boolean>;
  /** Stops retrying (app shutdown); entries still queued are dropped. Idempotent. */
  close(): void;
}

/**
 * Creates the mirror that keeps a run's shared copy in step with its in-process `EventLog`
 * without ever blocking the loop: entries are queued synchronously and written in batches by a
 * single writer, so they reach the store in order. When a write fails (Redis blip) the same
 * batch is retried with capped exponential backoff, and entries appended meanwhile wait behind
 * it, so nothing the instance holds is lost or reordered; the store ignores sequence numbers it
 * already has, so a retried batch that did land is harmless.
 */
export function createRunEventMirror(options: RunEventMirrorOptions): RunEventMirror {
  const { runId, sessionId, store, directory, retentionMs, report } = options;
  const minDelay = options.minRetryDelayMs ?? 100;
  const maxDelay = options.maxRetryDelayMs ?? 2_000;
  const queue: LogEntry[] = [];
  /** About how many bytes of events this mirror queued (JSON). */
  let queuedBytes = 0;
  let writing: Promise<void> | undefined;
  let finishing: Promise<boolean> | undefined;
  let closed = false;
  let retryTimer: ReturnType<typeof setTimeout> | undefined;
  let wakeRetry: (() => void) | undefined;

  const pause = (ms: number): Promise<void> =>
    new Promise((resolve) => {
      if (closed) return resolve();
      wakeRetry = resolve;
      retryTimer = setTimeout(resolve, ms);
    });

  /** Retries `operation` until it succeeds or the mirror closes. */
  const persist = async (where: string, operation: () => Promise<void>): Promise<void> => {
    let delay = minDelay;
    while (!closed) {
      try {
        await operation();
        return;
      } catch (error) {
        report(error, where);
        await pause(delay);
        delay = Math.min(delay * 2, maxDelay);
      }
    }
  };

  const drain = async (): Promise<void> => {
    while (queue.length > 0 && !closed) {
      const batch = queue.slice(0, 256);
      let accepted = true;
      await persist('run event mirror', async () => {
        try {
          accepted = await store.append(runId, batch, options.fence);
        } catch (error) {
          // An event JSON cannot carry (a BigInt in a tool result) fails every retry alike:
          // store a `stream_error` in its place, as SSE does, and keep the sequence whole.
          if (replaceUnserialisable(batch)) accepted = await store.append(runId, batch, options.fence);
          else throw error;
        }
      });
      if (closed) return;
      if (!accepted) {
        stop();
        options.onFenced?.();
        return;
      }
      queue.splice(0, batch.length);
      const last = batch.at(-1);
      if (last !== undefined) options.onWritten?.(last.seq);
      // Readers woken by that reveal write their frames before the next batch goes out: its
      // socket write and Lua call would otherwise sit between a stored event and its client.
      // Entries appended meanwhile join the next batch.
      if (queue.length > 0 && !closed) await nextTurn();
    }
  };

  const stop = (): void => {
    closed = true;
    queue.length = 0;
    clearTimeout(retryTimer);
    wakeRetry?.();
  };

  const kick = (): Promise<void> => {
    writing ??= drain().finally(() => {
      writing = undefined;
      if (queue.length > 0 && !closed) void kick();
    });
    return writing;
  };

  const flush = async (): Promise<void> => {
    while ((queue.length > 0 || writing !== undefined) && !closed) await kick();
  };

  return {
    push(entry) {
      if (closed) return;
      if (options.maxRetainedBytes !== undefined) queuedBytes += approximateJsonBytes(entry.event);
      queue.push(entry);
      void kick();
    },
    flush,
    finish() {
      finishing ??= (async () => {
        await flush();
        if (closed) return false;
        const { finalize } = options;
        if (finalize !== undefined) {
          await persist('run end', finalize);
        } else {
          await persist('run event retention', () => store.expire(runId, retentionMs));
          await persist('run directory', () => directory.markFinished(sessionId, runId, retentionMs));
        }
        const { maxRetainedBytes } = options;
        // Measured on the store only when the copy may be near the limit (the count here is
        // approximate) or holds entries this mirror never saw: most runs cost no round trip.
        if (
          maxRetainedBytes !== undefined &&
          store.trimToBytes !== undefined &&
          (options.continued === true || queuedBytes * 2 > maxRetainedBytes)
        ) {
          const trim = store.trimToBytes.bind(store);
          await persist('run event trim', () => trim(runId, maxRetainedBytes));
        }
        return !closed;
      })();
      return finishing;
    },
    close() {
      if (closed) return;
      stop();
      options.onClosed?.();
    },
  };
}
