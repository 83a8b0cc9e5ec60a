import { setTimeout as delay } from 'node:timers/promises';

/**
 * Waits `milliseconds`, resolving early (never rejecting) when `signal` aborts.
 *
 * Resolving rather than rejecting keeps callers simple: they check `signal.aborted` after the
 * wait. Node clears the timer and its abort listener whichever comes first, so an aborted
 * wait leaves nothing behind.
 */
export async function abortableSleep(milliseconds: number, signal: AbortSignal): Promise<void> {
  try {
    await delay(Math.max(0, milliseconds), undefined, { signal });
  } catch {
    // Aborted: the caller inspects `signal.aborted`.
  }
}

/** The signature of `abortableSleep`, injectable where tests want to observe waits. */
export type Sleep = (milliseconds: number, signal: AbortSignal) => Promise<void>;
