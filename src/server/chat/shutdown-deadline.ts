/** How a wait fits in a shutdown's deadline. */
export interface DeadlineWait {
  /** The wait's own bound, in ms, when it is shorter than what is left. */
  capMs?: number;
  /** Ms to leave for the steps after this one (the wait ends that long before the deadline). */
  reserveMs?: number;
}

/**
 * One deadline for a whole shutdown (`server.shutdown.timeoutMs` from the moment the instance
 * stops accepting): every wait of the close is bounded by it, so a hung step (a run that never
 * ends, a store that does not answer, a user's `onShutdown`) cannot make the close outlast it.
 * A step whose wait ended at the deadline is left running; its failure is not reported twice.
 */
export interface ShutdownDeadline {
  /** Aborted once the deadline passed (for what takes a signal). */
  readonly signal: AbortSignal;
  /** Ms left before the deadline, 0 once it passed. */
  remainingMs(): number;
  /**
   * Waits until every one of `promises` settled, their wait's cap passed, or the deadline (less
   * the reserve) came; never rejects.
   */
  settle(promises: ReadonlyArray<Promise<unknown>>, wait?: DeadlineWait): Promise<void>;
  /** Stops the deadline's timer; idempotent. */
  close(): void;
}

/** Starts a deadline `timeoutMs` from now on the given clock (timers and `now` as the app has them). */
export function createShutdownDeadline(timeoutMs: number, now: () => number = Date.now): ShutdownDeadline {
  const endsAt = now() + timeoutMs;
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort('the shutdown timeout passed'), timeoutMs);
  timer.unref?.();
  const remainingMs = (): number => Math.max(0, endsAt - now());
  return {
    signal: controller.signal,
    remainingMs,
    async settle(promises, wait = {}) {
      if (promises.length === 0) return;
      const boundMs = Math.min(wait.capMs ?? Infinity, remainingMs() - (wait.reserveMs ?? 0));
      const all = Promise.allSettled(promises);
      if (boundMs <= 0) return;
      let bound: ReturnType<typeof setTimeout> | undefined;
      const timeout = new Promise<void>((resolve) => {
        bound = setTimeout(resolve, boundMs);
      });
      await Promise.race([all, timeout]);
      clearTimeout(bound);
    },
    close() {
      clearTimeout(timer);
    },
  };
}
