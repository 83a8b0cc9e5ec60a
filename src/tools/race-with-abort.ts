/**
 * Settles with `work`, or with `onAbort()` as soon as `signal` aborts, whichever comes first.
 *
 * Why: user code (handlers, approval transports, interceptors) may ignore its signal; the
 * dispatcher must still answer promptly when a run is cancelled. The abandoned work keeps
 * running but its result is ignored, and the abort listener is removed either way so nothing
 * leaks onto a long-lived signal.
 */
export function raceWithAbort<T>(work: Promise<T>, signal: AbortSignal, onAbort: () => T): Promise<T> {
  if (signal.aborted) return Promise.resolve(onAbort());
  return new Promise<T>((resolve, reject) => {
    const abort = (): void => resolve(onAbort());
    signal.addEventListener('abort', abort, { once: true });
    work.then(
      (value) => {
        signal.removeEventListener('abort', abort);
        resolve(value);
      },
      (error: unknown) => {
        signal.removeEventListener('abort', abort);
        reject(error instanceof Error ? error : new Error(String(error)));
      },
    );
  });
}
