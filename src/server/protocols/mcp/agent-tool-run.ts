import { iterateFollowing, type LogEntrySource } from '../../../agent/log-follower.js';
import type { LogEntry } from '../../../core/events.js';
import { HttpError } from '../../../core/http-error.js';
import type { SessionRecord } from '../../../core/stores.js';
import type { LocatedRun } from '../../chat/session-runs.js';
import type { ChatBody } from '../../contracts/request-schemas.js';
import { continueThread } from '../../threads/continue-thread.js';
import type { ProtocolRouteContext } from '../protocol-route-context.js';
import { holdRunForAnswer, waitsForClient } from '../held-runs.js';
import { createTurnText } from '../turn-text.js';

/** A call the run waits for, and where in its log it asked. */
export interface PendingAnswer {
  kind: 'approval' | 'client_tool';
  runId: string;
  toolCallId: string;
  nonce: string;
  toolName: string;
  input: Record<string, unknown>;
  /** Sequence number of the event that asked. */
  seq: number;
}

/** How a run the tool follows stood when the tool stopped following it. */
export type AgentToolOutcome =
  | { kind: 'done'; text: string }
  | { kind: 'failed'; code: string; message: string; text: string }
  | { kind: 'cancelled'; message: string; text: string }
  | { kind: 'waiting'; call: PendingAnswer; text: string };

/** What following a run needs. */
export interface FollowOptions {
  /** Receives the answer's text as it is written. */
  onText?: (text: string) => void;
  /** Aborted when the caller gave up: the run is cancelled. */
  signal: AbortSignal;
}

const entriesOf = (source: LogEntrySource, signal: AbortSignal): AsyncIterable<LogEntry> =>
  typeof source === 'function'
    ? source(signal)
    : iterateFollowing((follower) => source.follow(follower), signal);

/**
 * Follows a run from after `afterSeq` until it ends or waits for a client's answer, collecting
 * its text. A run that waits is kept alive for the answer (`holdRunForAnswer`); a caller that
 * gives up cancels the run.
 */
async function followRun(
  context: ProtocolRouteContext,
  session: SessionRecord,
  located: LocatedRun,
  afterSeq: number,
  options: FollowOptions,
): Promise<AgentToolOutcome> {
  // The text of separate model turns is separated by a paragraph break (`TurnText`).
  const turns = createTurnText();
  const follower = located.follow(afterSeq);
  try {
    for await (const entry of entriesOf(follower.entries, options.signal)) {
      const { event } = entry;
      if (
        waitsForClient(event) &&
        (event.type === 'tool_approval_request' || event.type === 'tool_call_start')
      ) {
        holdRunForAnswer(located, { ...entry, event });
        return {
          kind: 'waiting',
          text: turns.joined,
          call: {
            kind: event.type === 'tool_approval_request' ? 'approval' : 'client_tool',
            runId: located.runId,
            toolCallId: event.tool_call_id,
            nonce: event.nonce ?? '',
            toolName: event.tool_name,
            input: event.tool_input,
            seq: entry.seq,
          },
        };
      }
      const added = turns.fold(event);
      if (added !== undefined) {
        options.onText?.(added);
      } else if (event.type === 'stream_complete') {
        return { kind: 'done', text: turns.joined };
      } else if (event.type === 'error') {
        if (event.code === 'run_suspended') continue;
        return event.code === undefined
          ? { kind: 'cancelled', message: event.error, text: turns.joined }
          : { kind: 'failed', code: event.code, message: event.error, text: turns.joined };
      }
    }
  } finally {
    follower.leave();
  }
  // The caller went away (or the log ended without a terminal event): stop the run.
  await context.cancelRun(session).catch(() => undefined);
  return { kind: 'cancelled', message: 'cancelled: the caller went away', text: turns.joined };
}

/**
 * Starts a run of the session for one tool call: `message` as the user's message, continuing
 * the stored thread `threadId` when given (as `POST /chat` does), and follows it.
 */
export async function startAgentToolRun(
  context: ProtocolRouteContext,
  session: SessionRecord,
  input: { message: string; threadId?: string | undefined },
  options: FollowOptions,
): Promise<AgentToolOutcome> {
  const located = await startToolRun(context, session, input, { waitsInMemory: false });
  return followRun(context, session, located, 0, options);
}

/**
 * Starts the run of one tool call (`message` as the user's message, in the stored thread
 * `threadId` when given, as `POST /chat` does) and locates it. `waitsInMemory`: the caller
 * answers its questions within the call, so the run is never suspended to the database.
 */
export async function startToolRun(
  context: ProtocolRouteContext,
  session: SessionRecord,
  input: { message: string; threadId?: string | undefined },
  options: { waitsInMemory: boolean },
): Promise<LocatedRun> {
  const body: ChatBody = {
    messages: [{ role: 'user', content: input.message }],
    context: { channel: 'mcp' },
  };
  const inMemory = options.waitsInMemory ? { waitsInMemory: true } : {};
  const { threadId } = input;
  // A call in a stored thread takes the thread's lock as every surface does (one run per
  // thread): the history is read once the lock is held.
  const run =
    threadId === undefined
      ? await context.sessionRuns.start(session, { ...body, ...inMemory })
      : await context.sessionRuns.start(
          session,
          async () => ({
            ...(await continueThread({
              database: context.config.database,
              session,
              body: { ...body, thread_id: threadId },
              report: context.report,
            })),
            ...inMemory,
          }),
          { threadId },
        );
  const located = await context.sessionRuns.locate(session.sessionId);
  if (located?.runId !== run.runId) throw HttpError.detail(503, 'The run ended before it could be followed');
  return located;
}

/** A client's answer to a waiting call: an approval decision, or a client-side tool's result. */
export type CallAnswer =
  { approved: boolean; alwaysAllow: boolean } | { result: Record<string, unknown> | null };

/**
 * Answers the call a run waits for (as `/chat/tool-approval` or `/chat/tool-result` would,
 * a suspended run included) and locates the run: its events go on after `afterSeq`.
 */
export async function answerToolRun(
  context: ProtocolRouteContext,
  session: SessionRecord,
  call: PendingAnswer,
  answer: CallAnswer,
): Promise<{ located: LocatedRun; afterSeq: number }> {
  const response =
    'approved' in answer
      ? await context.answers.answerApproval(session, {
          tool_call_id: call.toolCallId,
          nonce: call.nonce,
          approved: answer.approved,
          allow_tool_type: answer.alwaysAllow,
        })
      : await context.answers.answerToolResult(session, {
          tool_call_id: call.toolCallId,
          nonce: call.nonce,
          result: answer.result,
          error: null,
        });
  if (response.status >= 300) throw new HttpError(response.status, response.body);
  const located = await context.sessionRuns.locate(session.sessionId);
  if (located?.runId !== call.runId) {
    throw HttpError.detail(409, `Run ${call.runId} is no longer this session's run`);
  }
  // A run resumed from the database starts a new log after its old one.
  const resumed = response.body['resumed'] === true;
  return { located, afterSeq: resumed ? 0 : call.seq };
}

/** Answers the call a run waits for (`answerToolRun`) and follows the run on from there. */
export async function continueAgentToolRun(
  context: ProtocolRouteContext,
  session: SessionRecord,
  call: PendingAnswer,
  answer: CallAnswer,
  options: FollowOptions,
): Promise<AgentToolOutcome> {
  const { located, afterSeq } = await answerToolRun(context, session, call, answer);
  return followRun(context, session, located, afterSeq, options);
}
