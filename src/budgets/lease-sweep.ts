import type { BudgetCounterStore } from '../core/budget-counter-store.js';
import { isGatewayError } from '../core/errors.js';

/** A timer that settles expired reservations; `close` stops it and waits for a sweep under way. */
export interface LeaseSweep {
  /** Sweeps now (also what the timer does). Resolves with how many reservations it settled. */
  sweepNow(signal?: AbortSignal): Promise<number>;
  /** Idempotent. */
  close(): Promise<void>;
}

/** Options of `startLeaseSweep`. */
export interface LeaseSweepOptions {
  counters: () => BudgetCounterStore;
  intervalMs: number;
  now: () => number;
  onError: (error: unknown, where: string) => void;
  /** Reservations settled per round trip; a sweep goes on while a batch comes back full. */
  batchSize?: number;
}

/**
 * Starts sweeping expired reservations every `intervalMs` on this instance. Every instance
 * sweeps: whichever finds an expired hold settles it, and the store makes that happen once.
 * The timer does not keep the process alive.
 */
export function startLeaseSweep(options: LeaseSweepOptions): LeaseSweep {
  const batchSize = options.batchSize ?? 100;
  const controller = new AbortController();
  let running: Promise<number> | undefined;
  let closed = false;

  const sweepAll = async (signal: AbortSignal): Promise<number> => {
    let total = 0;
    for (;;) {
      signal.throwIfAborted();
      const swept = await options.counters().sweepExpired(options.now(), batchSize, signal);
      total += swept;
      if (swept < batchSize) return total;
    }
  };

  const sweepNow = (signal?: AbortSignal): Promise<number> => {
    const linked = signal === undefined ? controller.signal : AbortSignal.any([signal, controller.signal]);
    running ??= sweepAll(linked).finally(() => {
      running = undefined;
    });
    return running;
  };

  const timer = setInterval(() => {
    sweepNow().catch((error: unknown) => {
      // `store_unavailable`: no counters to sweep yet (the database opens with the app's start).
      if (controller.signal.aborted || isGatewayError(error, 'store_unavailable')) return;
      options.onError(error, 'budget lease sweep');
    });
  }, options.intervalMs);
  timer.unref();

  return {
    sweepNow,
    async close() {
      if (closed) return;
      closed = true;
      clearInterval(timer);
      controller.abort();
      await running?.catch(() => undefined);
    },
  };
}
