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

  /** Wakes every reader parked so far. */
  wakeAll(): void {
    if (this.#waiters.size === 0) return;
    for (const wake of [...this.#waiters]) wake();
  }
}
