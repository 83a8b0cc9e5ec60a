import type { LogEntrySource } from '../../agent/log-follower.js';
import type { LogEntry } from '../../core/events.js';
import type { GatewayStores, SessionRecord } from '../../core/stores.js';
import type { GatewayServerConfig } from '../contracts/gateway-config.js';
import { HttpError } from '../../core/http-error.js';
import type { ChatRunRequest } from '../contracts/request-schemas.js';
import type { HttpLimits } from '../rate-limit/create-http-limits.js';
import { ChatRunLifecycle, newChatRunId, type ChatRun } from './chat-run.js';
import { createFollowerLimit } from './follower-limit.js';
import { endsWithTerminal, followRemoteRun, isSharedStores, type SharedStores } from './remote-runs.js';
import type { RunRegistry } from './run-registry.js';
import type { RunCaps } from './run-caps.js';
import type { SharedRunSettings } from './share-run.js';
import type { RunResumption } from '../pending-answers/run-resumption.js';
import type { SuspendedRuns } from '../pending-answers/suspended-runs.js';
import { startChatRun } from './start-chat-run.js';
import { acquireSessionLock, type FinishingRun } from './acquire-session-lock.js';
import { createRemoteLockHolder } from './remote-lock-holder.js';
import { channelOf } from './channel-of.js';
import { modelNotAllowedError, refusedModel } from './run-model-check.js';
import { createAppThreadLocks } from './thread-locks.js';
import { createThreadLockTaker } from './take-thread-lock.js';
import { holdUntilCallEnds } from './hold-until-call-ends.js';

/** What `createSessionRuns` needs from the app. */
export interface SessionRunsDependencies {
  config: GatewayServerConfig;
  stores: GatewayStores;
  allowedModels: ReadonlySet<string>;
  runs: RunRegistry;
  limits: HttpLimits;
  /** Caps per API key on runs and pending answers. */
  caps: RunCaps;
  shared?: SharedRunSettings;
  /** Chat runs being started: `close()` waits for them. */
  runStarts: Set<Promise<unknown>>;
  report: (error: unknown, where: string) => void;
  /** The app's suspended runs: a run resumes from its suspension through them once it let go. */
  suspendedRuns?: Pick<SuspendedRuns, 'resumeIfAnswered'> | undefined;
}

/**
 * A session's current or most recent run as a route sees it: held by this instance, or (with
 * shared stores) by another one and read from the shared log.
 */
export interface LocatedRun {
  readonly runId: string;
  /** The run when this instance holds it. */
  readonly local: ChatRun | undefined;
  /** Whether the run had ended when it was located. */
  readonly finished: boolean;
  /** Every entry written so far, from the first (for replays and lookups). */
  snapshot(signal: AbortSignal): Promise<LogEntry[]>;
  /**
   * Follows the run from after `afterSeq` as one more follower (429 past `maxFollowersPerRun`):
   * `entries` (a push feed for a run held here, an iterable for one read from the shared log)
   * ends after the terminal event; `leave` is idempotent.
   */
  follow(afterSeq: number): { entries: LogEntrySource; leave: () => void };
  /**
   * Keeps the run from being cancelled for want of followers while it waits for the client's
   * answer to `toolCallId` (an approval or a client-side tool, between two HTTP requests):
   * until that call completes, the run ends or `signal` aborts. Takes no follower slot.
   */
  holdUntilAnswered(toolCallId: string, afterSeq: number, signal: AbortSignal): void;
}

/**
 * How a run starts beyond its request: under an id given in advance (a suspended run started
 * again from where it stood, `resumption`, or a queued run whose id was answered before it
 * could start), and in which thread (`threadId`: its lock is taken with the session's, before
 * the request is built, so that the request reads the thread as its last run left it).
 */
export interface ResumeRun {
  runId?: string;
  resumption?: RunResumption;
  threadId?: string;
}

/** A run's request, or what builds it once the session's lock is held. */
export type RunRequestSource = ChatRunRequest | (() => Promise<ChatRunRequest>);

/** Starting and finding the runs of a session, for the native route and the adapters alike. */
export interface SessionRuns {
  /**
   * Starts a run for the session with the same checks as `POST /chat`: 503 while closing or
   * at `maxConcurrentRuns` (runs waiting for a client's answer left out), 429 at the API key's
   * caps on runs and pending answers, 409 when the session already has an active run, 400 for a
   * model outside the allow-list. Resolves once the run is registered. `request` may be a
   * function: it is called once the session's lock is held, so that a thread it reads holds
   * what the session's previous run wrote (a message that waited for that run, `multitask`).
   */
  start(session: SessionRecord, request: RunRequestSource, resume?: ResumeRun): Promise<ChatRun>;
  /** The thread was deleted: the run holding its lock loses it (`ThreadLocks.evict`). */
  forgetThread(threadId: string): Promise<void>;
  /**
   * The model check of `start`, ahead of it, for a request accepted now and started later (an
   * enqueued run): builds the request's runtime and throws the same 400 when its model is not
   * allowed.
   */
  checkModel(session: SessionRecord, request: ChatRunRequest): Promise<void>;
  /** The session's current or most recent run, or undefined. */
  locate(sessionId: string): Promise<LocatedRun | undefined>;
  /** Takes a follower slot of `runId`, or throws 429; returns the idempotent release. */
  joinFollowers(runId: string): () => void;
}

/** Creates the session-runs service over one instance's registry and (maybe shared) stores. */
export function createSessionRuns(dependencies: SessionRunsDependencies): SessionRuns {
  const { config, stores, allowedModels, runs, limits, caps, shared, runStarts, report } = dependencies;
  const sharedStores = shared !== undefined && isSharedStores(stores) ? stores : undefined;
  const maxFollowers = config.maxFollowersPerRun;
  const followers = createFollowerLimit(maxFollowers);
  const remoteHolder =
    sharedStores === undefined || shared === undefined
      ? undefined
      : createRemoteLockHolder(sharedStores, shared, config);
  const threadLocks = createAppThreadLocks({ stores, leaseMs: shared?.leaseMs, report });
  const takeThreadLock = createThreadLockTaker({
    threadLocks,
    sharedStores,
    database: config.database,
    report,
  });

  const joinFollowers = (runId: string): (() => void) => {
    const leave = followers.join(runId);
    if (leave === undefined) {
      throw HttpError.detail(429, `Run ${runId} already has ${maxFollowers} streams open; close one first`);
    }
    return leave;
  };

  const start = async (
    session: SessionRecord,
    source: RunRequestSource,
    resume?: ResumeRun,
  ): Promise<ChatRun> => {
    await limits.checkTokenBudget(session.apiKeyHash);
    const { maxConcurrentRuns } = config;
    // A run waiting for a client's answer waits for a person: its key's caps count it instead.
    if (runs.activeCount() - caps.pendingAnswerRunCount() + runStarts.size >= maxConcurrentRuns) {
      throw HttpError.detail(
        503,
        `Too many runs in progress (maxConcurrentRuns ${maxConcurrentRuns}); retry shortly`,
        { headers: { 'retry-after': '1' } },
      );
    }
    const runId = resume?.runId ?? newChatRunId();
    const slot = await caps.admit({ runId, sessionId: session.sessionId, apiKeyHash: session.apiKeyHash });
    const threadId = resume?.threadId;
    // The thread's lock is first tried beside the session's (one round trip fewer on Redis); a
    // failed try is tried again once the session's is held.
    const firstThreadTry =
      threadId === undefined
        ? undefined
        : threadLocks.acquire(threadId, { runId, sessionId: session.sessionId }).catch(() => undefined);
    const locked = await acquireSessionLock({
      tryLock: () => stores.sessions.acquireRunLock(session.sessionId, shared?.leaseOwner),
      finishing: () => finishingRun(session.sessionId),
    });
    if (!locked) {
      await Promise.all([slot.release(), firstThreadTry?.then((lock) => lock?.release())]);
      throw HttpError.detail(409, 'A chat stream is already active for this session');
    }
    const threadLock =
      threadId === undefined
        ? undefined
        : await takeThreadLock(session, threadId, runId, firstThreadTry).catch(async (error: unknown) => {
            await Promise.all([stores.sessions.releaseRunLock(session.sessionId), slot.release()]);
            throw error;
          });
    const letGo = (): Promise<unknown> =>
      Promise.all([threadLock?.release(), stores.sessions.releaseRunLock(session.sessionId), slot.release()]);
    // Tracked until registered, so that a close() arriving meanwhile waits for it and then
    // drains it with the others instead of missing it.
    const starting = (async (): Promise<ChatRun> => {
      let request: ChatRunRequest;
      try {
        request = typeof source === 'function' ? await source() : source;
      } catch (error) {
        await letGo();
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
        ...(shared === undefined ? {} : { shared }),
        ...(resume?.resumption === undefined ? {} : { resumption: resume.resumption }),
        suspendedRuns: dependencies.suspendedRuns,
        ...(threadLock === undefined ? {} : { threadLock }),
        registration: { runs, stores, shared: sharedStores !== undefined, limits, caps, report },
      });
      if (outcome.status === 'started') return run;
      run.giveUp();
      await letGo();
      if (outcome.status === 'modelNotAllowed') {
        throw modelNotAllowedError(outcome.model, allowedModels);
      }
      throw outcome.error;
    })();
    runStarts.add(starting);
    try {
      return await starting;
    } finally {
      runStarts.delete(starting);
    }
  };

  /** The session's run that sent its terminal event and is being put away, if that holds the lock. */
  const finishingRun = async (sessionId: string): Promise<FinishingRun | undefined> => {
    const local = runs.active(sessionId);
    if (local !== undefined) return local.eventLog.finished ? { settled: local.done } : undefined;
    return remoteHolder?.(sessionId);
  };

  const holdWhile = (entries: AsyncIterable<LogEntry>, toolCallId: string, release: () => void): void =>
    holdUntilCallEnds(entries, toolCallId, release, report);

  const locateLocal = (run: ChatRun): LocatedRun => ({
    runId: run.runId,
    local: run,
    finished: run.eventLog.finished,
    snapshot: async (signal) =>
      run.eventLog.firstSeq > 1 && sharedStores !== undefined
        ? readShared(sharedStores, run.runId, signal)
        : run.eventLog.entries(0),
    follow(afterSeq) {
      const leaveSlot = joinFollowers(run.runId);
      const leaveRun = runs.follow(run);
      const leave = (): void => {
        leaveSlot();
        leaveRun();
      };
      void run.done.finally(leave);
      return { entries: run.eventLog.feed(afterSeq), leave };
    },
    holdUntilAnswered(toolCallId, afterSeq, signal) {
      holdWhile(run.eventLog.subscribe(afterSeq, signal), toolCallId, runs.follow(run));
    },
  });

  const locateRemote = async (
    storesOfRuns: SharedStores,
    sessionId: string,
  ): Promise<LocatedRun | undefined> => {
    const location = await storesOfRuns.runDirectory.getLatest(sessionId);
    if (location === undefined) return undefined;
    const lastSeq = await storesOfRuns.runEvents.lastSeq(location.runId);
    const finished = location.finished || (await endsWithTerminal(storesOfRuns, location.runId, lastSeq));
    return {
      runId: location.runId,
      local: undefined,
      finished,
      snapshot: (signal) => readShared(storesOfRuns, location.runId, signal),
      follow(afterSeq) {
        const leaveSlot = joinFollowers(location.runId);
        const remote = followRemoteRun(storesOfRuns, location, afterSeq, report);
        return {
          entries: remote.entries,
          leave: () => {
            leaveSlot();
            remote.leave();
          },
        };
      },
      holdUntilAnswered(toolCallId, afterSeq, signal) {
        const remote = followRemoteRun(storesOfRuns, location, afterSeq, report);
        holdWhile(remote.entries(signal), toolCallId, remote.leave);
      },
    };
  };

  return {
    start,
    forgetThread: (threadId) => threadLocks.evict(threadId),
    joinFollowers,
    async checkModel(session, request) {
      const runtime = await config.buildChatRuntime({
        session,
        request,
        channel: channelOf(request.context),
      });
      const refused = refusedModel(config, allowedModels, runtime.model, request.model ?? undefined);
      if (refused !== undefined) throw modelNotAllowedError(refused.model, allowedModels);
    },
    async locate(sessionId) {
      const run = runs.latest(sessionId);
      // A run suspended here may have resumed on another instance since: the shared directory
      // knows where the session's run is now.
      const stale = sharedStores !== undefined && run !== undefined && endedSuspended(run);
      if (run !== undefined && !run.eventLog.abandoned && !stale) return locateLocal(run);
      return sharedStores === undefined ? undefined : locateRemote(sharedStores, sessionId);
    },
  };
}

/** Whether the run's log ended because the run was suspended to the database. */
function endedSuspended(run: ChatRun): boolean {
  if (!run.eventLog.finished) return false;
  const last = run.eventLog.entries(run.eventLog.lastSeq - 1).at(-1)?.event;
  return last?.type === 'error' && last.code === 'run_suspended';
}

/** Every entry of a run in the shared log, up to the last one written when called. */
async function readShared(stores: SharedStores, runId: string, signal: AbortSignal): Promise<LogEntry[]> {
  const lastSeq = await stores.runEvents.lastSeq(runId);
  const entries: LogEntry[] = [];
  if (lastSeq === 0) return entries;
  const reader = new AbortController();
  const stop = (): void => reader.abort();
  signal.addEventListener('abort', stop, { once: true });
  try {
    for await (const entry of stores.runEvents.read(runId, 0, reader.signal)) {
      entries.push(entry);
      if (entry.seq >= lastSeq) break;
    }
  } finally {
    signal.removeEventListener('abort', stop);
    reader.abort();
  }
  return entries;
}
