import { randomUUID } from 'node:crypto';
import { HttpError } from '../../core/http-error.js';
import {
  BusChannel,
  type GatewayStores,
  type SessionRecord,
  type SteerRunMessage,
} from '../../core/stores.js';
import type { ChatRun } from './chat-run.js';
import { publishUntilHeard } from './publish-until-heard.js';
import type { ChatMessageBody, ChatRunRequest } from '../contracts/request-schemas.js';
import type { MultitaskStrategy } from '../contracts/multitask-option.js';
import type { GatewayServerConfig } from '../contracts/gateway-config.js';
import { rollBackRun } from './roll-back-run.js';
import type { ResumeRun, SessionRuns } from './session-runs.js';
import { ThreadBusyError } from './thread-busy-error.js';

/** How long a message waits for the run it interrupts (or steers) to let go of the session. */
const TAKE_OVER_TIMEOUT_MS = 30_000;
/** First pause between two tries to start; doubled up to `MAX_RETRY_MS`. */
const FIRST_RETRY_MS = 25;
const MAX_RETRY_MS = 500;
/**
 * The longest pause while the thread's last run is suspended (`run_suspended`): it waits for a
 * person, maybe for days, and each try reads the thread, so the tries thin out to one per 5 s.
 */
const MAX_SUSPENDED_RETRY_MS = 5_000;

/** What `startWithMultitask` needs of the app: its session runs, and a cancel that reaches every instance. */
export interface MultitaskContext {
  config: GatewayServerConfig;
  stores: GatewayStores;
  sessionRuns: SessionRuns;
  /**
   * Cancels the session's active run wherever it runs (404 without one, 504 when its instance
   * does not confirm in time), as `POST /chat/cancel` does.
   */
  cancelRun(session: SessionRecord): Promise<{ runId: string }>;
  report: (error: unknown, where: string) => void;
}

/** Options of `startWithMultitask`. */
export interface StartWithMultitaskOptions {
  context: MultitaskContext;
  session: SessionRecord;
  strategy: MultitaskStrategy;
  /** The new message(s), as the client sent them: what a steered run reads. */
  messages: readonly ChatMessageBody[];
  /**
   * Builds the run's request (a thread's history read through `continueThread`): called only
   * once the session's lock is held, so that it reads what the run before it left in the
   * thread (read before, a run that ended meanwhile would be missing from the history, and the
   * new run's messages would go where that run's already are). The request is the start's to
   * complete: its `multitask` (and `interruptedRunId`) are set on it. A request at hand is
   * returned as it is (no promise).
   */
  prepare: () => ChatRunRequest | Promise<ChatRunRequest>;
  /** Gives up waiting (the client left, or the app closes). */
  signal: AbortSignal;
  /** The new run's id, when it was answered before the run could start (a queued run). */
  runId?: string;
  /**
   * The thread the message continues: one run works in a thread at a time, whatever session
   * it runs in, and `strategy` applies to the thread's run as it does to the session's.
   */
  threadId?: string;
}

/** How a message sent to a session was taken. */
export type MultitaskOutcome =
  | { status: 'started'; run: ChatRun; cancelledRunId?: string }
  | {
      status: 'steered';
      runId: string;
      /** The session of the run that took the message. */ sessionId: string;
    };

const isBusy = (error: unknown): boolean => error instanceof HttpError && error.status === 409;

/** A 409 because the thread's last run is suspended until a person answers it. */
const isSuspended = (error: unknown): boolean =>
  error instanceof HttpError && error.status === 409 && error.body['code'] === 'run_suspended';

/**
 * Starts a run for a message that may arrive while the session's run (or, for a message to a
 * thread, the run working in that thread, whatever its session) still works, as
 * `strategy` says (see `multitaskSchema`): `reject` answers 409 as before; `interrupt` and
 * `rollback` cancel the run wherever it runs (the cancel and the session lock are shared
 * across instances), `rollback` then drops its messages from its thread, and the new run
 * starts once the session is free; `enqueue` waits for the session to be free, however long,
 * until `signal` aborts; `steer` hands the message to the running run (through the bus when
 * it runs on another instance) and starts nothing, unless the run ended meanwhile.
 */
export async function startWithMultitask(options: StartWithMultitaskOptions): Promise<MultitaskOutcome> {
  const { context, session, strategy, prepare, signal } = options;
  const placement = placementOf(options);
  /** The run this message cancelled, once it did (`interrupt`, `rollback`). */
  let cancelledRunId: string | undefined = undefined;
  // The run record says how its message was taken (`GET /runs/:id`: `multitask_strategy`).
  // Set on the request `prepare` made for this start rather than spread into a copy of it.
  const complete = (request: ChatRunRequest): ChatRunRequest => {
    request.multitask = strategy;
    if (cancelledRunId !== undefined) request.interruptedRunId = cancelledRunId;
    return request;
  };
  // A request made at once is completed at once: no promise per chat.
  const prepared = (): ChatRunRequest | Promise<ChatRunRequest> => {
    const preparing = prepare();
    return preparing instanceof Promise ? preparing.then(complete) : complete(preparing);
  };
  const start = (): Promise<ChatRun> => context.sessionRuns.start(session, prepared, placement);
  if (strategy === 'reject') return { status: 'started', run: await start() };
  /** The session whose run is in the way: this one's, or that of the run working in the thread. */
  let busySession = session;
  try {
    return { status: 'started', run: await start() };
  } catch (error) {
    if (!isBusy(error)) throw error;
    if (error instanceof ThreadBusyError && error.holder !== undefined) {
      busySession = { ...session, sessionId: error.holder.sessionId };
    }
  }
  if (strategy === 'steer') {
    const runId = await steer(context, busySession, options.messages, signal);
    if (runId !== undefined) return { status: 'steered', runId, sessionId: busySession.sessionId };
    return { status: 'started', run: await startOnceFree(start, signal, TAKE_OVER_TIMEOUT_MS) };
  }
  if (strategy === 'enqueue') {
    return { status: 'started', run: await startOnceFree(start, signal, Number.POSITIVE_INFINITY) };
  }
  cancelledRunId = await context
    .cancelRun(busySession)
    .then(({ runId }) => runId)
    .catch((error: unknown) => {
      // The run ended on its own meanwhile: nothing to cancel.
      if (error instanceof HttpError && error.status === 404) return undefined;
      throw error;
    });
  if (strategy === 'rollback' && cancelledRunId !== undefined) {
    await rollBackRun({ context, session, runId: cancelledRunId, signal });
  }
  const run = await startOnceFree(start, signal, TAKE_OVER_TIMEOUT_MS);
  return { status: 'started', run, ...(cancelledRunId === undefined ? {} : { cancelledRunId }) };
}

/** Where the run goes, when the start names its id or thread (most chats name neither). */
function placementOf({ runId, threadId }: StartWithMultitaskOptions): ResumeRun | undefined {
  if (runId === undefined && threadId === undefined) return undefined;
  const placement: ResumeRun = {};
  if (runId !== undefined) placement.runId = runId;
  if (threadId !== undefined) placement.threadId = threadId;
  return placement;
}

/**
 * `abortableSleep` whose timer does not hold the process open: a queued run's wait must not
 * keep a closed gateway alive.
 */
function pauseUnref(milliseconds: number, signal: AbortSignal): Promise<void> {
  if (signal.aborted) return Promise.resolve();
  return new Promise<void>((resolve) => {
    const onAbort = (): void => {
      clearTimeout(timer);
      resolve();
    };
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, milliseconds);
    timer.unref();
    signal.addEventListener('abort', onAbort, { once: true });
  });
}

/**
 * Tries to start until the session is free (409 no more), `signal` aborts or time runs out: the
 * pauses double from 25 ms to 0.5 s, and up to 5 s while the thread's run is suspended.
 */
async function startOnceFree(
  start: () => Promise<ChatRun>,
  signal: AbortSignal,
  timeoutMs: number,
): Promise<ChatRun> {
  const deadline = Date.now() + timeoutMs;
  let pause = FIRST_RETRY_MS;
  for (;;) {
    let longest = MAX_RETRY_MS;
    try {
      return await start();
    } catch (error) {
      if (!isBusy(error) || Date.now() + pause > deadline) throw error;
      if (isSuspended(error)) longest = MAX_SUSPENDED_RETRY_MS;
    }
    await pauseUnref(pause, signal);
    if (signal.aborted) throw HttpError.detail(409, 'A chat stream is still active for this session');
    pause = Math.min(pause * 2, longest);
  }
}

/**
 * Hands the user messages to the session's running run: straight to its queue when it runs
 * here, else through the bus to its instance. Resolves the run's id, or undefined when no run
 * works any more (it ended, or stopped reading messages).
 */
async function steer(
  context: MultitaskContext,
  session: SessionRecord,
  messages: readonly ChatMessageBody[],
  signal: AbortSignal,
): Promise<string | undefined> {
  const text = messages
    .filter((message) => message.role === 'user')
    .map((message) => message.content)
    .join('\n\n');
  const located = await context.sessionRuns.locate(session.sessionId);
  if (located === undefined || located.finished) return undefined;
  if (located.local !== undefined) {
    return located.local.steering.push(text) ? located.runId : undefined;
  }
  const message: SteerRunMessage = { runId: located.runId, id: randomUUID(), text };
  const heard = AbortSignal.any([signal, AbortSignal.timeout(TAKE_OVER_TIMEOUT_MS)]);
  const delivered = await publishUntilHeard(
    context.stores.bus,
    BusChannel.steerRun(session.sessionId),
    message,
    heard,
  );
  return delivered ? located.runId : undefined;
}
