import { abortableSleep } from '../../agent/abortable-sleep.js';
import type { ThreadStore } from '../../core/thread-store.js';

/** Threads one statement of the sweep deletes at most: short transactions, bounded locks. */
export const RETENTION_SWEEP_BATCH = 500;

/** Options of `startRetentionSweep`. */
export interface RetentionSweepOptions {
  /** The open store, or undefined while it is not (the sweep then waits for its next round). */
  store: () => ThreadStore | undefined;
  /** Threads not updated for this long (ms) are deleted. */
  retentionMs: number;
  /** Pause between two rounds (ms). */
  intervalMs: number;
  /** Threads per delete statement (default `RETENTION_SWEEP_BATCH`). */
  batchSize?: number;
  /** Receives a failed round; the sweep goes on with the next one. */
  report: (error: unknown, where: string) => void;
  /** Told after a round that deleted threads, with how many. */
  onSwept?: (deleted: number) => void;
  /** Clock in milliseconds since the epoch (default `Date.now`). */
  now?: () => number;
}

/** A running sweep. */
export interface RetentionSweep {
  /** Runs one round now (between the periodic ones); resolves how many threads it deleted. */
  sweepOnce(): Promise<number>;
  /** Stops the sweep and waits for a round under way to end. Idempotent. */
  stop(): Promise<void>;
}

/**
 * Deletes threads idle past `retentionMs` for good, periodically: a round at start, then one
 * every `intervalMs`. A round deletes in batches of `batchSize` until a batch comes back short,
 * so a large backlog never holds one long transaction, and stops between batches when the
 * sweep is stopped. Every instance runs its own sweep: the store's delete is idempotent and
 * safe when several run at once. A failed round is reported and never ends the sweep.
 */
export function startRetentionSweep(options: RetentionSweepOptions): RetentionSweep {
  const batchSize = options.batchSize ?? RETENTION_SWEEP_BATCH;
  const now = options.now ?? Date.now;
  const controller = new AbortController();
  const { signal } = controller;
  let current: Promise<number> | undefined;

  const round = async (): Promise<number> => {
    const store = options.store();
    if (store === undefined) return 0;
    const cutoff = now() - options.retentionMs;
    let total = 0;
    for (;;) {
      const deleted = await store.deleteThreadsIdleSince(cutoff, batchSize);
      total += deleted;
      if (deleted < batchSize || signal.aborted) return total;
    }
  };

  const sweepOnce = (): Promise<number> => {
    // Rounds never overlap on one instance: a call during a round shares it.
    current ??= round().finally(() => {
      current = undefined;
    });
    return current;
  };

  const loop = (async () => {
    while (!signal.aborted) {
      try {
        const deleted = await sweepOnce();
        if (deleted > 0) options.onSwept?.(deleted);
      } catch (error) {
        if (!signal.aborted) options.report(error, 'thread retention sweep');
      }
      await abortableSleep(options.intervalMs, signal);
    }
  })();

  let stopping: Promise<void> | undefined;
  return {
    sweepOnce,
    stop() {
      stopping ??= (async () => {
        controller.abort();
        await loop;
        await current?.catch(() => undefined);
      })();
      return stopping;
    },
  };
}
