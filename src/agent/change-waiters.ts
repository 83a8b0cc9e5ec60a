/** A parked reader of `ChangeWaiters`; see `ChangeWaiters.reader`. */
export interface ChangeReader {
  /** Resolves on the next change, or at once once the reader's signal aborted. */
  next(): Promise<void>;
  /** Ends the reader: wakes a parked wait and drops its abort listener; idempotent. */
  close(): void;
}

/**
 * Readers parked until something changes (an event appended, a sequence number revealed).
 * `next(signal)` resolves on the next `wakeAll()`, or at once when `signal` aborts; either way
 * it leaves no listener behind.
 */
export class ChangeWaiters {
  readonly #waiters = new Set<() => void>();

  /** Resolves on the next `wakeAll()` or when `signal` aborts, whichever comes first. */
  next(signal?: AbortSignal): Promise<void> {
    return new Promise((resolve) => {
      const wake = (): void => {
        this.#waiters.delete(wake);
        signal?.removeEventListener('abort', wake);
        resolve();
      };
      this.#waiters.add(wake);
      signal?.addEventListener('abort', wake, { once: true });
    });
  }

  /**
   * A reader that parks again and again (one per subscription): its abort listener is added
   * once for its whole life, not once per wait. `next()` resolves on the next `wakeAll()`, or at
   * once when `signal` aborted; `close()` wakes a parked wait and removes the listener
   * (idempotent).
   */
  reader(signal?: AbortSignal): ChangeReader {
    let parked: (() => void) | undefined;
    const wake = (): void => {
      const resolve = parked;
      if (resolve === undefined) return;
      parked = undefined;
      this.#waiters.delete(resolve);
      resolve();
    };
    signal?.addEventListener('abort', wake, { once: true });
    return {
      next: () =>
        signal?.aborted === true
          ? Promise.resolve()
          : new Promise<void>((resolve) => {
              parked = resolve;
              this.#waiters.add(resolve);
            }),
      close: () => {
        wake();
        signal?.removeEventListener('abort', wake);
      },
    };
  }

  /** Wakes every reader parked so far. */
  wakeAll(): void {
    if (this.#waiters.size === 0) return;
    // Waking only settles promises (their readers run later): nothing joins during the loop.
    for (const wake of this.#waiters) wake();
    this.#waiters.clear();
  }
}
