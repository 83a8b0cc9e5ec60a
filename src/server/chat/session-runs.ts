import type { LogEntrySource } from '../../agent/log-follower.js';
import type { LogEntry } from '../../core/events.js';
import type { GatewayStores, SessionRecord } from '../../core/stores.js';
import type { GatewayServerConfig } from '../contracts/gateway-config.js';
import type { ChatRunRequest } from '../contracts/request-schemas.js';
import type { HttpLimits } from '../rate-limit/create-http-limits.js';
import type { ChatRun } from './chat-run.js';
import { createFollowerSlots } from './follower-limit.js';
import { isSharedStores } from './remote-runs.js';
import type { RunRegistry } from './run-registry.js';
import type { RunCaps } from './run-caps.js';
import type { SharedRunSettings } from './share-run.js';
import type { RunResumption } from '../pending-answers/run-resumption.js';
import type { SuspendedRuns } from '../pending-answers/suspended-runs.js';
import { checkRunModel } from './run-model-check.js';
import { createAppThreadLocks, type ThreadLock, type ThreadLockHolder } from './thread-locks.js';
import { createThreadLockTaker } from './take-thread-lock.js';
import { createSessionRunStarter } from './start-session-run.js';
import { createAppRunIdReservations, type RunIdReservations } from './run-id-reservations.js';
import { newRunId } from '../../stores/new-run-id.js';
import { createRunLocator } from './locate-session-run.js';
import type { ChurnSet } from '../../core/churn-map.js';

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
  runStarts: ChurnSet<Promise<unknown>>;
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
export type RunRequestSource = ChatRunRequest | (() => ChatRunRequest | Promise<ChatRunRequest>);

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
   * The thread's lock for a run taken over from another instance, under the holder it had there
   * (its lease renewed, not taken anew): undefined when another run took the thread meanwhile.
   */
  retakeThreadLock(threadId: string, holder: ThreadLockHolder): Promise<ThreadLock | undefined>;
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
  /**
   * Where new runs' ids are drawn and held: by `start` for a run it starts at once, and by the
   * caller for a run whose id is answered before it can start (a queued run), which then passes
   * the id to `start` and keeps the reservation until the run ends (`keepUntilRunEnds`).
   */
  readonly runIds: RunIdReservations;
}

/**
 * Creates the session-runs service over one instance's registry and (maybe shared) stores,
 * composed of its concerns: starting a run (`start-session-run.ts`), locating one
 * (`locate-session-run.ts`), the follower cap and the model check.
 */
export function createSessionRuns(dependencies: SessionRunsDependencies): SessionRuns {
  const { config, stores, allowedModels, runs, shared, report } = dependencies;
  const sharedStores = shared !== undefined && isSharedStores(stores) ? stores : undefined;
  const joinFollowers = createFollowerSlots(config.maxFollowersPerRun);
  const threadLocks = createAppThreadLocks({ stores, leaseMs: shared?.leaseMs, report });
  const threadLockTaker = createThreadLockTaker({
    threadLocks,
    sharedStores,
    database: config.database,
    report,
  });
  const runIds = createAppRunIdReservations({ stores, draw: config.drawRunId ?? newRunId, report });
  return {
    start: createSessionRunStarter({ ...dependencies, sharedStores, threadLockTaker, runIds }),
    forgetThread: (threadId) => threadLocks.evict(threadId),
    retakeThreadLock: (threadId, holder) => threadLocks.retake(threadId, holder),
    joinFollowers,
    checkModel: (session, request) => checkRunModel(config, allowedModels, session, request),
    locate: createRunLocator({ runs, sharedStores, joinFollowers, report }),
    runIds,
  };
}
