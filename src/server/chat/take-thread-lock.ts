import { acquireSessionLock, type FinishingRun } from './acquire-session-lock.js';
import { endsWithTerminal, type SharedStores } from './remote-runs.js';
import type { SessionRecord } from '../../core/stores.js';
import type { GatewayDatabase } from '../database/gateway-database.js';
import { checkThreadWriter } from './check-thread-writer.js';
import { ThreadBusyError } from './thread-busy-error.js';
import type { ThreadLock, ThreadLockHolder, ThreadLocks } from './thread-locks.js';

/** How often a message polls a thread whose run ended on another instance and is being put away. */
const REMOTE_FINISHING_POLL_MS = 50;

/**
 * Takes a thread's lock for a run of `session`, only once the session's owner is known to own
 * the thread (or the thread is nobody's yet: the run creates it for that owner), so that a
 * stranger who knows a thread's id cannot hold its lock, even for the moment its 404 takes.
 */
export interface ThreadLockTaker {
  /**
   * One try, started beside the session's lock (one round trip fewer on Redis): the writer check,
   * then the lock. Undefined when the lock is held (or the store failed: `take` tries again);
   * rejects with 404 when the thread is another owner's, before any lock was taken.
   */
  firstTry(session: SessionRecord, threadId: string, runId: string): Promise<ThreadLock | undefined>;
  /**
   * Takes the lock or throws: `firstTry`'s outcome when given (its 404 thrown), else after the
   * writer check; then waits for a finishing run and answers 409 `thread_busy` for a working one.
   */
  take(
    session: SessionRecord,
    threadId: string,
    runId: string,
    firstTry?: Promise<ThreadLock | undefined>,
  ): Promise<ThreadLock>;
}

/** What `createThreadLockTaker` needs. */
export interface ThreadLockTakerOptions {
  threadLocks: ThreadLocks;
  /** Set when the stores are shared: a lock's holder may run on another instance. */
  sharedStores: SharedStores | undefined;
  /** Where threads are kept (asked whose a busy thread is). */
  database: GatewayDatabase | undefined;
  report: (error: unknown, where: string) => void;
}

/**
 * Creates what takes a thread's lock for a new run: like the session's lock, a run that sent its
 * terminal event and is being put away (its messages being written) is waited for, bounded; a
 * run still working keeps the lock, and the new run is refused with 409 `thread_busy`
 * (`ThreadBusyError`, naming the holder for `multitask`). A thread of another owner answers 404
 * before its lock is tried, as its chat would: it is not told apart from a missing one.
 */
export function createThreadLockTaker(options: ThreadLockTakerOptions): ThreadLockTaker {
  const { threadLocks, sharedStores, database, report } = options;
  /** The run holding the thread's lock once it ended, while its end is written; else undefined. */
  const finishingRun = async (threadId: string): Promise<FinishingRun | undefined> => {
    const here = threadLocks.finishingHere(threadId);
    if (here !== undefined) return { settled: here };
    const holder = await threadLocks.holder(threadId);
    if (holder === undefined) return { settled: Promise.resolve() };
    if (sharedStores === undefined) return undefined;
    const location = await sharedStores.runDirectory.getLatest(holder.sessionId);
    const running =
      location?.runId === holder.runId &&
      !location.finished &&
      !(await endsWithTerminal(
        sharedStores,
        location.runId,
        await sharedStores.runEvents.lastSeq(location.runId),
      ));
    if (running) return undefined;
    return { settled: new Promise((resolve) => setTimeout(resolve, REMOTE_FINISHING_POLL_MS)) };
  };

  const checkWriter = (session: SessionRecord, threadId: string): Promise<void> =>
    checkThreadWriter({ database, report, session, threadId });
  const holderOf = (session: SessionRecord, runId: string): ThreadLockHolder => ({
    runId,
    sessionId: session.sessionId,
  });

  return {
    async firstTry(session, threadId, runId) {
      await checkWriter(session, threadId);
      return threadLocks.acquire(threadId, holderOf(session, runId)).catch(() => undefined);
    },
    async take(session, threadId, runId, firstTry) {
      let lock: ThreadLock | undefined;
      const holder = holderOf(session, runId);
      let attempt: Promise<ThreadLock | undefined> | undefined =
        firstTry ?? checkWriter(session, threadId).then(() => threadLocks.acquire(threadId, holder));
      await acquireSessionLock({
        tryLock: async () => {
          lock = await (attempt ?? threadLocks.acquire(threadId, holder));
          attempt = undefined;
          return lock !== undefined;
        },
        finishing: () => finishingRun(threadId),
      });
      if (lock !== undefined) return lock;
      throw new ThreadBusyError(threadId, await threadLocks.holder(threadId));
    },
  };
}
