import type { SessionRecord } from '../../core/stores.js';
import { HttpError } from '../../core/http-error.js';
import type { ChatRunRequest } from '../contracts/request-schemas.js';
import { ChatRunLifecycle, type ChatRun } from './chat-run.js';
import type { SharedStores } from './remote-runs.js';
import type { ResumeRun, RunRequestSource, SessionRunsDependencies } from './session-runs.js';
import { startChatRun } from './start-chat-run.js';
import type { RegisterRunDependencies } from './register-run.js';
import { acquireSessionLock, type FinishingRun } from './acquire-session-lock.js';
import { createRemoteLockHolder } from './remote-lock-holder.js';
import { modelNotAllowedError } from './run-model-check.js';
import { budgetRefusalError } from '../contracts/budget-wire.js';
import { locksAtOnce } from '../../stores/memory/memory-session-store.js';
import type { ThreadLock } from './thread-locks.js';
import type { RunSlot } from './run-caps.js';
import type { ThreadLockTaker } from './take-thread-lock.js';
import { admitReserved, type RunIdReservations } from './run-id-reservations.js';

/** What `createSessionRunStarter` needs beyond the app's: the locks it shares with the rest. */
export interface SessionRunStarterDependencies extends SessionRunsDependencies {
  /** Set when runs are shared between instances (`shared` over shared stores). */
  sharedStores: SharedStores | undefined;
  threadLockTaker: ThreadLockTaker;
  /** Where a new run's id is drawn and held until the run ends (a resumed run keeps its own). */
  runIds: RunIdReservations;
}

/** A start that failed lets go of the thread's lock, the session's and the run's slot. */
const letGo = (
  stores: SessionRunStarterDependencies['stores'],
  session: SessionRecord,
  threadLock: ThreadLock | undefined,
  slot: RunSlot,
): Promise<unknown> =>
  Promise.all([threadLock?.release(), stores.sessions.releaseRunLock(session.sessionId), slot.release()]);

/**
 * Creates `SessionRuns.start`: admits the run (capacity, the key's caps), takes the session's
 * lock and the thread's, builds the request once they are held and launches the run, letting
 * go of all it took when the start fails.
 */
export function createSessionRunStarter(
  dependencies: SessionRunStarterDependencies,
): (session: SessionRecord, source: RunRequestSource, resume?: ResumeRun) => Promise<ChatRun> {
  const { config, stores, allowedModels, runs, limits, caps, shared, runStarts, report } = dependencies;
  const { sharedStores, threadLockTaker, runIds } = dependencies;
  const remoteHolder =
    sharedStores === undefined || shared === undefined
      ? undefined
      : createRemoteLockHolder(sharedStores, shared, config);

  // The same for every run: made once (a literal with spreads per chat showed in the profile).
  const registration: RegisterRunDependencies = {
    runs,
    stores,
    shared: sharedStores !== undefined,
    limits,
    caps,
    report,
  };

  // The in-process session store takes a free session's lock at once: no promise per chat.
  // Asked per chat, not here: lazily started stores (Redis) are not there until the app starts.

  /** The session's run that sent its terminal event and is being put away, if that holds the lock. */
  const finishingRun = async (sessionId: string): Promise<FinishingRun | undefined> => {
    const local = runs.active(sessionId);
    if (local !== undefined) return local.eventLog.finished ? { settled: local.done } : undefined;
    return remoteHolder?.(sessionId);
  };

  return async (session: SessionRecord, source: RunRequestSource, resume?: ResumeRun): Promise<ChatRun> => {
    if (limits.tokenBudget) await limits.checkTokenBudget(session.apiKeyHash);
    const { maxConcurrentRuns } = config;
    // A run waiting for a client's answer waits for a person: its key's caps count it instead.
    if (runs.activeCount() - caps.pendingAnswerRunCount() + runStarts.size >= maxConcurrentRuns) {
      throw HttpError.detail(
        503,
        `Too many runs in progress (maxConcurrentRuns ${maxConcurrentRuns}); retry shortly`,
        { headers: { 'retry-after': '1' } },
      );
    }
    // A new run's id is reserved where it is drawn, before anything runs under it.
    const reserving = resume?.runId === undefined ? runIds.reserve(session.sessionId) : undefined;
    const reservation = reserving instanceof Promise ? await reserving : reserving;
    const runId = resume?.runId ?? reservation?.runId ?? '';
    // At once over in-process counters: awaited only when it answers later.
    const admitting = admitReserved(
      caps,
      { runId, sessionId: session.sessionId, apiKeyHash: session.apiKeyHash },
      reservation,
    );
    const slot = admitting instanceof Promise ? await admitting : admitting;
    const threadId = resume?.threadId;
    // The thread's lock is first tried beside the session's (one round trip fewer on Redis), once
    // the session's owner is known to own the thread; a failed try is tried again once the
    // session's is held.
    const firstThreadTry =
      threadId === undefined ? undefined : threadLockTaker.firstTry(session, threadId, runId);
    // Its 404 (a stranger's thread) may come while the session's lock is still awaited: it is
    // handled where it is awaited, and must not count as an unhandled rejection meanwhile.
    firstThreadTry?.catch(() => undefined);
    const leaseOwner = shared?.leaseOwner;
    // Tried once first: a free session (most chats) needs none of the wait's machinery (nor
    // its closures).
    const sessions = stores.sessions;
    const free = locksAtOnce(sessions)
      ? sessions.acquireRunLockNow(session.sessionId)
      : await sessions.acquireRunLock(session.sessionId, leaseOwner);
    const locked =
      free ||
      (await acquireSessionLock({
        tryLock: () => stores.sessions.acquireRunLock(session.sessionId, leaseOwner),
        finishing: () => finishingRun(session.sessionId),
      }));
    if (!locked) {
      await Promise.all([
        slot.release(),
        firstThreadTry?.then(
          (lock) => lock?.release(),
          () => undefined,
        ),
      ]);
      throw HttpError.detail(409, 'A chat stream is already active for this session');
    }
    const threadLock =
      threadId === undefined
        ? undefined
        : await threadLockTaker
            .take(session, threadId, runId, firstThreadTry)
            .catch(async (error: unknown) => {
              await Promise.all([stores.sessions.releaseRunLock(session.sessionId), slot.release()]);
              throw error;
            });
    // Tracked until registered, so that a close() arriving meanwhile waits for it and then
    // drains it with the others instead of missing it.
    const starting = (async (): Promise<ChatRun> => {
      let request: ChatRunRequest;
      try {
        const building = typeof source === 'function' ? source() : source;
        request = building instanceof Promise ? await building : building;
      } catch (error) {
        await letGo(stores, session, threadLock, slot);
        throw error;
      }
      const run = new ChatRunLifecycle({ runId, sessionId: session.sessionId, report });
      const outcome = await startChatRun({
        slot,
        config,
        stores,
        session,
        body: request,
        allowedModels,
        run,
        shared,
        resumption: resume?.resumption,
        suspendedRuns: dependencies.suspendedRuns,
        threadLock,
        registration,
      });
      if (outcome.status === 'started') return run;
      run.giveUp();
      await letGo(stores, session, threadLock, slot);
      if (outcome.status === 'modelNotAllowed') {
        throw modelNotAllowedError(outcome.model, allowedModels);
      }
      if (outcome.status === 'budgetRefused') throw budgetRefusalError(outcome.refusal);
      throw outcome.error;
    })();
    const ticket = runStarts.add(starting);
    try {
      return await starting;
    } finally {
      runStarts.delete(ticket);
    }
  };
}
