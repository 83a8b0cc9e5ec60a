/**
 * Waits `milliseconds`, resolving early (never rejecting) when `signal` aborts.
 *
 * Resolving rather than rejecting keeps callers simple: they check `signal.aborted` after the
 * wait. The timer and the abort listener are both released whichever comes first, so an
 * aborted wait leaves nothing behind. It uses the global `setTimeout` (not
 * `node:timers/promises`) so that tests with fake timers (`vi.useFakeTimers()`) control it.
 */
export function abortableSleep(milliseconds: number, signal: AbortSignal): Promise<void> {
  if (signal.aborted) return Promise.resolve();
  return new Promise<void>((resolve) => {
    const onAbort = (): void => {
      clearTimeout(timer);
      resolve();
    };
    const timer = setTimeout(
      () => {
        signal.removeEventListener('abort', onAbort);
        resolve();
      },
      Math.max(0, milliseconds),
    );
    signal.addEventListener('abort', onAbort, { once: true });
  });
}

/** The signature of `abortableSleep`, injectable where tests want to observe waits. */
export type Sleep = (milliseconds: number, signal: AbortSignal) => Promise<void>;
