import type { LogEntry } from '../core/events.js';

/**
 * Receives the entries of a push subscription to an event log (`EventLog.follow`), called on
 * the append itself: no promise, generator or timer per entry.
 */
export interface LogFollower {
  /** One entry the reader may see, in order, each once. */
  entry(entry: LogEntry): void;
  /**
   * Called once when the subscription ends on its own: after the terminal entry, or (a log
   * abandoned to another instance) after the last entry the reader may see; with the error when
   * `entry` threw (the subscription then ends: the appender never sees the error). Never called
   * after the subscription was cancelled.
   */
  end(error?: unknown): void;
}

/** Stops a push subscription: no call reaches its follower afterwards. Idempotent. */
export type StopFollowing = () => void;

/** A log that pushes its entries from a fixed position to whoever follows it (`EventLog.feed`). */
export interface LogFeed {
  /**
   * Starts pushing to `follower`: the entries already there are delivered before this returns,
   * later ones as they are appended (or revealed).
   */
  follow(follower: LogFollower): StopFollowing;
}

/**
 * Where a stream's entries come from: a local log's push feed, or any async iterable (a log
 * in a shared store, read by polling or blocking reads), which ends when `signal` aborts.
 */
export type LogEntrySource = LogFeed | ((signal: AbortSignal) => AsyncIterable<LogEntry>);

/**
 * The async-iterable view of a push subscription, for readers that want `for await` (headless
 * output, holds, tests): yields what `follow` pushes and ends with it, or (quietly) when
 * `signal` aborts, and cancels the subscription whenever the iteration stops. Nothing is
 * subscribed until the first `next()`.
 */
export async function* iterateFollowing(
  follow: (follower: LogFollower) => StopFollowing,
  signal?: AbortSignal,
): AsyncGenerator<LogEntry, void, undefined> {
  const aborted = (): boolean => signal?.aborted === true;
  if (aborted()) return;
  let queue: LogEntry[] = [];
  let ended = false;
  let failure: { error: unknown } | undefined;
  let wake: (() => void) | undefined;
  const notify = (): void => {
    const resolve = wake;
    wake = undefined;
    resolve?.();
  };
  const stop = follow({
    entry(entry) {
      queue.push(entry);
      notify();
    },
    end(...error: unknown[]) {
      ended = true;
      if (error.length > 0) failure = { error: error[0] };
      notify();
    },
  });
  signal?.addEventListener('abort', notify, { once: true });
  try {
    let index = 0;
    for (;;) {
      if (aborted()) return;
      const entry = queue[index];
      if (entry !== undefined) {
        index += 1;
        // Drained: start a fresh queue rather than let the delivered entries pile up.
        if (index === queue.length) {
          queue = [];
          index = 0;
        }
        yield entry;
        continue;
      }
      if (failure !== undefined) throw failure.error;
      if (ended) return;
      await new Promise<void>((resolve) => {
        wake = resolve;
      });
    }
  } finally {
    signal?.removeEventListener('abort', notify);
    stop();
  }
}
