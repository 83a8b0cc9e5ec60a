import type { SessionRecord } from '../../core/stores.js';
import type { ChatRunRequest } from '../contracts/request-schemas.js';
import { storeUnavailable } from '../threads/call-thread-store.js';
import { continueThread } from '../threads/continue-thread.js';
import { ownerOfSession } from '../threads/thread-wire.js';
import type { BackgroundRunRequest } from './background-run-body.js';
import { webhookTargetOf } from './webhook-target-of.js';
import { startWithMultitask, type StartWithMultitaskOptions } from '../chat/start-with-multitask.js';
import { HttpError } from '../../core/http-error.js';
import type { ChatRun } from '../chat/chat-run.js';
import { startOrEnqueue } from './enqueue-background-run.js';
import type { BackgroundRunRecord } from '../../core/background-run-store.js';
import type { RunRecordRow } from '../../core/thread-store.js';
import { finishRunOf } from '../threads/thread-store-calls.js';
import { defaultWebhooksSettings } from '../contracts/webhooks-option.js';
import type { RunQueue } from './run-queue.js';
import type { RunStarter } from './run-starter.js';
import type { BudgetStanding } from '../../core/budget-gate.js';
import type { MemoryQueueBounds } from './queue-bounds.js';

/** What every start of one background run passes to `startWithMultitask`. */
export type BackgroundRunStart = Omit<StartWithMultitaskOptions, 'strategy' | 'runId'>;

/** A started background run, as `POST /runs` answers it. */
export interface StartedBackgroundRun {
  runId: string;
  threadId: string | null;
  /**
   * `running`; `queued` for an enqueued one waiting for the session's run to end; `steered`
   * when the message went to the session's running run (`runId` is that run's).
   */
  status: 'running' | 'queued' | 'steered';
  /** The tightest budget of a run started now (its `x-budget-*` headers); absent otherwise. */
  budgetStanding?: BudgetStanding | undefined;
}

/** Options of `startBackgroundRun`. */
export interface StartBackgroundRunOptions {
  context: RunStarter;
  session: SessionRecord;
  request: BackgroundRunRequest;
  /** The schedule that fires the run. */
  scheduleId?: string;
  /** The run's id (a schedule's fire derives it from the fire); default: a new one. */
  runId?: string;
  /** Clock in milliseconds since the epoch (default `Date.now`). */
  now?: () => number;
  /** Ends the wait of a queued run (the app closes). */
  signal?: AbortSignal;
  /** The database's queue of enqueued runs (with a database): where an enqueued run waits. */
  queuedRuns?: RunQueue;
  /** Bounds of the enqueued runs that wait in this instance's memory (without a database). */
  memoryQueue?: MemoryQueueBounds;
}

/** What starts a background run once its session's lock is held, and records it once it runs. */
export interface BackgroundRunParts {
  threadId: string | null;
  /** Builds the run's request (reads the thread): call it with the session's lock held. */
  prepare: () => Promise<ChatRunRequest>;
  /** Writes the background record (with a database); cancels the run and throws 503 if it cannot. */
  recordStarted: (run: ChatRun) => Promise<void>;
  /**
   * Records a run answered `queued` that could not start (it left the queue): a `failed` run
   * record whose `outcome_code` says why, and its background record, so that `GET /runs/:id`
   * shows it and its webhook hears of its end. Retried through an outage; never throws.
   */
  recordFailedStart: (runId: string, error: unknown) => Promise<void>;
  /**
   * The model check of a run's start, ahead of it (a run answered `queued`): the 400 of
   * `POST /chat` when the request names a model outside the allow-list.
   */
  checkModel: () => Promise<void>;
}

/**
 * The `outcome_code` of a queued run that could not start: the refusal's own code, else
 * `invalid_request` for a refusal of the request (a model outside the allow-list), else
 * `internal_error`.
 */
const failedStartCode = (error: unknown): string => {
  if (!(error instanceof HttpError)) return 'internal_error';
  const code = error.body['code'];
  if (typeof code === 'string') return code;
  return error.status < 500 ? 'invalid_request' : 'internal_error';
};

/**
 * Removes the session of a schedule's fire (made for that one run) once its run ended here, so
 * that fires never hold sessions of the pool (`maxSessions`). A run that did not end here (it
 * went on at another instance: its log has no terminal event) keeps it for that instance.
 */
function releaseFireSession(context: RunStarter, run: ChatRun): void {
  void run.done.then(async () => {
    if (run.eventLog.abandoned) return;
    await context.stores.sessions
      .delete(run.sessionId)
      .catch((error: unknown) => context.report(error, 'schedule fire session'));
  });
}

/** The parts of a background run's start shared by a run started now and a queued one. */
export function backgroundRunParts(
  options: Pick<StartBackgroundRunOptions, 'context' | 'session' | 'request' | 'scheduleId' | 'now'>,
): BackgroundRunParts {
  const { context, session, request } = options;
  const { config, report } = context;
  const backgroundRuns = config.database?.current()?.backgroundRuns;
  const webhook = webhookTargetOf(
    request.webhook,
    config.webhooks ?? defaultWebhooksSettings,
    backgroundRuns !== undefined,
  );
  const body: ChatRunRequest = {
    messages: request.messages,
    context: request.context,
    ...(request.model === undefined ? {} : { model: request.model }),
    detached: true,
  };
  const threadId = request.threadId ?? null;
  const prepare = async (): Promise<ChatRunRequest> =>
    request.threadId === undefined
      ? body
      : continueThread({
          database: config.database,
          session,
          body: { ...body, thread_id: request.threadId },
          report,
        });
  const now = options.now ?? Date.now;
  const backgroundRecord = (runId: string, recordedThread = threadId): BackgroundRunRecord => ({
    runId,
    owner: ownerOfSession(session),
    sessionId: session.sessionId,
    threadId: recordedThread,
    metadata: request.metadata,
    ...(webhook === undefined ? {} : { webhook }),
    ...(options.scheduleId === undefined ? {} : { scheduleId: options.scheduleId }),
    createdAt: now(),
  });
  const recordStarted = async (run: ChatRun): Promise<void> => {
    if (options.scheduleId !== undefined) releaseFireSession(context, run);
    if (backgroundRuns === undefined) return;
    try {
      await backgroundRuns.record(backgroundRecord(run.runId));
    } catch (error) {
      report(error, 'database');
      run.abort('cancelled: the background run could not be recorded');
      throw storeUnavailable(error);
    }
  };
  const recordFailedStart = async (runId: string, error: unknown): Promise<void> => {
    const database = config.database;
    const stores = database?.current();
    if (database === undefined || stores === undefined) return;
    const at = now();
    // A thread the caller does not hold (another owner's): the run never touched it, and a
    // record held to it would not be written.
    const recordedThread = error instanceof HttpError && error.status === 404 ? null : threadId;
    const record: RunRecordRow = {
      id: runId,
      threadId: recordedThread,
      owner: ownerOfSession(session),
      model: request.model ?? config.defaultModel ?? '',
      startedAt: at,
      status: 'failed',
      outcomeCode: failedStartCode(error),
      turns: 0,
      usage: null,
      estimatedCostUsd: null,
      endedAt: at,
      multitask: { strategy: 'enqueue' },
    };
    const background = backgroundRecord(runId, recordedThread);
    // Both writes are keyed by the run: an attempt repeated after a lost answer changes nothing.
    // The background record first: once the run shows as failed, its metadata is there too.
    await database.retries.run(`failed start of run ${runId}`, async () => {
      await stores.backgroundRuns?.record(background);
      await finishRunOf(stores.threads, record, undefined);
    });
    // A fire's session was made for this run alone.
    if (options.scheduleId !== undefined) {
      await context.stores.sessions
        .delete(session.sessionId)
        .catch((failure: unknown) => report(failure, 'schedule fire session'));
    }
  };
  const checkModel = async (): Promise<void> => {
    if (request.model !== undefined) await context.sessionRuns.checkModel(session, body);
  };
  return { threadId, prepare, recordStarted, recordFailedStart, checkModel };
}

/**
 * Starts a run that nobody has to follow, in `session`, with the same checks as `POST /chat`
 * (`SessionRuns.start`: 409 while the session has a run unless `multitask` says otherwise,
 * 429/503 at the caps, a thread read through `continueThread`), and resolves once it runs. With
 * a database the run is recorded (its run record, and its background record with metadata and
 * webhook) before this resolves, so `GET /runs/:id` knows it and its end reaches its webhook
 * even if this instance dies; a background record that cannot be written cancels the run and
 * answers 503. Without a database the run lives in this instance only: followed and cancelled
 * here, never listed. An enqueued run that must wait resolves at once as `queued`, with the id
 * it will run under; with a database it is kept in the queue there (`queuedRuns`), so
 * that another instance starts it if this one dies; without one it waits on this instance.
 */
export async function startBackgroundRun(options: StartBackgroundRunOptions): Promise<StartedBackgroundRun> {
  const { context, session, request } = options;
  const { config } = context;
  const parts = backgroundRunParts(options);
  const { threadId, prepare, recordStarted } = parts;
  const strategy = request.multitask ?? config.multitask;
  const fixedId = options.runId === undefined ? {} : { runId: options.runId };
  const signal = options.signal ?? new AbortController().signal;
  const multitask: BackgroundRunStart = {
    context,
    session,
    messages: request.messages,
    prepare,
    signal,
    ...(request.threadId === undefined ? {} : { threadId: request.threadId }),
  };
  if (strategy === 'enqueue') return startOrEnqueue(options, multitask, parts);
  const outcome = await startWithMultitask({ ...multitask, ...fixedId, strategy });
  if (outcome.status === 'steered') return { runId: outcome.runId, threadId, status: 'steered' };
  await recordStarted(outcome.run);
  return {
    runId: outcome.run.runId,
    threadId,
    status: 'running',
    budgetStanding: outcome.run.budgetStanding,
  };
}
