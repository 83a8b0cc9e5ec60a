/** How long a new chat waits for the session's finished run to be put away. */
export const FINISHING_RUN_WAIT_MS = 10_000;

/** A run that sent its terminal event and still holds its session's lock. */
export interface FinishingRun {
  /** Settles once it may be worth trying the lock again. */
  readonly settled: Promise<unknown>;
}

/** What `acquireSessionLock` needs. */
export interface AcquireSessionLockOptions {
  /** Takes the session's run lock; false while another run holds it. */
  tryLock: () => Promise<boolean>;
  /**
   * When the lock's holder is a run that already sent its terminal event (its end being
   * written, its lock about to be given back), resolves it; undefined when the holder is still
   * running.
   */
  finishing: () => Promise<FinishingRun | undefined>;
  /** Most time spent waiting for a finishing run. Default `FINISHING_RUN_WAIT_MS`. */
  waitMs?: number;
  signal?: AbortSignal;
}

/**
 * Takes a session's run lock for a new run. A client that read `stream_complete` may send its
 * next message before the finished run has written its end and given the lock back: instead of
 * refusing that message with 409, this waits (bounded) for the finished run to be put away.
 * A run still working keeps the lock, and the caller answers 409 at once.
 */
export async function acquireSessionLock(options: AcquireSessionLockOptions): Promise<boolean> {
  const deadline = Date.now() + (options.waitMs ?? FINISHING_RUN_WAIT_MS);
  for (;;) {
    if (await options.tryLock()) return true;
    if (options.signal?.aborted === true || Date.now() >= deadline) return false;
    const finishing = await options.finishing();
    if (finishing === undefined) return false;
    await waitFor(finishing.settled, deadline - Date.now(), options.signal);
  }
}

/** Waits for `settled`, at most `ms`, or until `signal` aborts; never throws. */
async function waitFor(
  settled: Promise<unknown>,
  ms: number,
  signal: AbortSignal | undefined,
): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  let onAbort: (() => void) | undefined;
  await Promise.race([
    settled.catch(() => undefined),
    new Promise<void>((resolve) => {
      timer = setTimeout(resolve, Math.max(0, ms));
      onAbort = resolve;
      signal?.addEventListener('abort', onAbort, { once: true });
    }),
  ]);
  clearTimeout(timer);
  if (onAbort !== undefined) signal?.removeEventListener('abort', onAbort);
}
