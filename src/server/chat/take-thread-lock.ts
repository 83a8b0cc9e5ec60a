import { acquireSessionLock, type FinishingRun } from './acquire-session-lock.js';
import { endsWithTerminal, type SharedStores } from './remote-runs.js';
import { HttpError } from '../../core/http-error.js';
import type { SessionRecord } from '../../core/stores.js';
import type { GatewayDatabase } from '../database/gateway-database.js';
import { callThreadStore } from '../threads/call-thread-store.js';
import { ownerOfSession } from '../threads/thread-wire.js';
import { ThreadBusyError } from './thread-busy-error.js';
import type { ThreadLock, ThreadLockHolder, ThreadLocks } from './thread-locks.js';

/** How often a message polls a thread whose run ended on another instance and is being put away. */
const REMOTE_FINISHING_POLL_MS = 50;

/**
 * Takes a thread's lock for a run of `session`, or throws. `firstTry`, when given, is a take of
 * the lock already under way (sent beside the session's lock: one round trip fewer on Redis),
 * used as the first attempt.
 */
export type TakeThreadLock = (
  session: SessionRecord,
  threadId: string,
  runId: string,
  firstTry?: Promise<ThreadLock | undefined>,
) => Promise<ThreadLock>;

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
 * (`ThreadBusyError`, naming the holder for `multitask`). A busy thread of another owner
 * answers 404 instead, as its chat would: it is not told apart from a missing one.
 */
export function createThreadLockTaker(options: ThreadLockTakerOptions): TakeThreadLock {
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

  /** 404 unless the thread is the session's owner's, or nobody's yet (its first run creates it). */
  const checkOwner = async (session: SessionRecord, threadId: string): Promise<void> => {
    const owner = ownerOfSession(session);
    const visible = await callThreadStore(database, report, async (store) => {
      if ((await store.getThread(owner, threadId)) !== undefined) return true;
      return store.ownerOf === undefined ? false : (await store.ownerOf('thread', threadId)) === undefined;
    });
    if (!visible) throw HttpError.detail(404, 'Thread not found');
  };

  return async (session, threadId, runId, firstTry) => {
    let lock: ThreadLock | undefined;
    let attempt = firstTry;
    const holder: ThreadLockHolder = { runId, sessionId: session.sessionId };
    await acquireSessionLock({
      tryLock: async () => {
        lock = await (attempt ?? threadLocks.acquire(threadId, holder));
        attempt = undefined;
        return lock !== undefined;
      },
      finishing: () => finishingRun(threadId),
    });
    if (lock !== undefined) return lock;
    const busy = await threadLocks.holder(threadId);
    await checkOwner(session, threadId);
    throw new ThreadBusyError(threadId, busy);
  };
}
