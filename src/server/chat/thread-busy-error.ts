import { HttpError } from '../../core/http-error.js';
import type { ThreadLockHolder } from './thread-locks.js';

/** The stable code of a message refused because another run works in its thread. */
export const THREAD_BUSY = 'thread_busy';

/**
 * 409 `thread_busy`: another run (of another session, or a schedule) holds the thread's lock.
 * Carries the holder for `multitask` (which run to interrupt or steer); the client's body names
 * neither its session nor its run.
 */
export class ThreadBusyError extends HttpError {
  /** The run that holds the thread; undefined when it let go as this was answered. */
  readonly holder: ThreadLockHolder | undefined;

  constructor(threadId: string, holder: ThreadLockHolder | undefined) {
    super(409, {
      detail: `Another run is working in thread ${threadId}; send again once it ended, or choose a multitask strategy`,
      code: THREAD_BUSY,
    });
    this.holder = holder;
  }
}
