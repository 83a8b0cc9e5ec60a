import type { BudgetStanding } from '../../core/budget-gate.js';
import { HttpError } from '../../core/http-error.js';
import type { SessionRecord } from '../../core/stores.js';
import type { LocatedRun } from '../chat/session-runs.js';
import type { MultitaskStrategy } from '../contracts/multitask-option.js';
import type { ChatMessageBody, ChatRunRequest } from '../contracts/request-schemas.js';
import { startWithMultitask } from '../chat/start-with-multitask.js';
import type { ProtocolRouteContext } from './protocol-route-context.js';

/** Options of `startFrontendRun`. */
export interface StartFrontendRunOptions {
  context: ProtocolRouteContext;
  session: SessionRecord;
  strategy: MultitaskStrategy;
  /** The client's new user message(s) as text: what a steered run reads. */
  messages: readonly ChatMessageBody[];
  /** Builds the run's request once the session's lock is held (see `startWithMultitask`). */
  prepare: () => Promise<ChatRunRequest>;
  signal: AbortSignal;
  /** The stored thread the message continues (see `startWithMultitask`). */
  threadId?: string;
}

/** The run a frontend request streams, and the sequence number its stream starts after. */
export interface FrontendRun {
  located: LocatedRun;
  afterSeq: number;
  /** Whether the message went to the session's running run (`steer`) instead of a new one. */
  steered: boolean;
  /** The tightest budget the new run's first call was admitted under (for `x-budget-*`). */
  budgetStanding?: BudgetStanding | undefined;
}

/**
 * Starts the run of a frontend's new message (`useChat`, AG-UI) as `strategy` says, like
 * `POST /chat` does. A new run is streamed from its start; a steered message streams the run
 * it went into from where that run stands, so the client reads the rest of it (the steering
 * message and the answer to it) as its response.
 */
export async function startFrontendRun(options: StartFrontendRunOptions): Promise<FrontendRun> {
  const { context, session, strategy, messages, prepare, signal, threadId } = options;
  const outcome = await startWithMultitask({
    context,
    session,
    strategy,
    messages,
    prepare,
    signal,
    ...(threadId === undefined ? {} : { threadId }),
  });
  const runId = outcome.status === 'steered' ? outcome.runId : outcome.run.runId;
  const located = await context.sessionRuns.locate(
    outcome.status === 'steered' ? outcome.sessionId : session.sessionId,
  );
  if (located?.runId !== runId) throw HttpError.detail(503, 'The run ended before it could be streamed');
  if (outcome.status === 'started') {
    return { located, afterSeq: 0, steered: false, budgetStanding: outcome.run.budgetStanding };
  }
  const entries = await located.snapshot(signal);
  return { located, afterSeq: entries.at(-1)?.seq ?? 0, steered: true };
}
