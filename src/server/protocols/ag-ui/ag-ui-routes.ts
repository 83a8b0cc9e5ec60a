import type { LocatedRun } from '../../chat/session-runs.js';
import { HttpError } from '../../../core/http-error.js';
import type { BodyRouteHandler } from '../../http/route-handler.js';
import type { ClaimedApproval, ClaimedToolOutput } from '../../pending-answers/answer-pending-answers.js';
import type { ProtocolRouteContext } from '../protocol-route-context.js';
import { streamToFrontend } from '../stream-to-frontend.js';
import { resumeSeqAfter } from '../held-runs.js';
import { announcedCallsOf } from '../tool-history-signatures.js';
import { agUiFraming, AG_UI_STREAM_HEADERS } from './ag-ui-framing.js';
import { agUiToHistory } from './ag-ui-to-history.js';
import { createAgUiEncoder, type AgUiEncoderOptions } from './create-ag-ui-encoder.js';
import type { RunAgentInput } from './run-agent-input.js';
import { storedToAgUiMessages } from './stored-to-ag-ui-messages.js';
import { threadTurn, type ThreadTurn } from '../../threads/thread-turn.js';
import { displayViewOf } from '../../../agent/thread-history.js';
import type { AgUiSnapshotMessage } from './ag-ui-events.js';
import type { Message } from '../../../core/messages.js';
import type { ChatRunRequest } from '../../contracts/request-schemas.js';
import { multitaskSchema, type MultitaskStrategy } from '../../contracts/multitask-option.js';
import { startFrontendRun } from '../start-frontend-run.js';
import { setBudgetHeaders } from '../../contracts/budget-wire.js';
import { agUiStreamResumeOf } from './ag-ui-stream-resume.js';

/** The approvals a `resume[]` claims, matched to the approval requests of the run's log. */
async function claimedApprovals(located: LocatedRun, input: RunAgentInput, signal: AbortSignal) {
  const entries = await located.snapshot(signal);
  return (input.resume ?? []).map((entry): ClaimedApproval => {
    const request = entries.find(
      ({ event }) => event.type === 'tool_approval_request' && event.nonce === entry.interruptId,
    )?.event;
    if (request?.type !== 'tool_approval_request') {
      throw HttpError.detail(404, `Unknown interrupt ${entry.interruptId}`);
    }
    const payload: unknown = entry.payload;
    const approved: unknown =
      typeof payload === 'object' && payload !== null ? Reflect.get(payload, 'approved') : undefined;
    const always: unknown =
      typeof payload === 'object' && payload !== null ? Reflect.get(payload, 'alwaysAllow') : undefined;
    if (entry.status === 'resolved' && typeof approved !== 'boolean') {
      throw HttpError.detail(422, `resume of ${entry.interruptId}: payload must be {"approved": true|false}`);
    }
    return {
      approvalId: entry.interruptId,
      toolCallId: request.tool_call_id,
      approved: entry.status === 'resolved' && approved === true,
      alwaysAllow: always === true,
    };
  });
}

/**
 * `multitask` of a run's input: `forwardedProps.multitask` (what `HttpAgent.runAgent({
 * forwardedProps })` and CopilotKit pass through), or a top-level field.
 */
function multitaskOf(input: RunAgentInput): MultitaskStrategy | undefined {
  const forwarded: unknown = input.forwardedProps;
  const value: unknown =
    typeof forwarded === 'object' && forwarded !== null ? Reflect.get(forwarded, 'multitask') : undefined;
  const parsed = multitaskSchema.optional().safeParse(value ?? input.multitask);
  if (!parsed.success)
    throw HttpError.detail(422, `multitask must be one of ${multitaskSchema.options.join(', ')}`);
  return parsed.data;
}

/** The text of a history message. */
const textOf = (message: Message): string =>
  typeof message.content === 'string'
    ? message.content
    : message.content.map((block) => (block.type === 'text' ? block.text : '')).join('');

/** The frontend tools' results a thread carries: tool messages answering pending answers. */
function claimedToolOutputs(input: RunAgentInput): ClaimedToolOutput[] {
  return input.messages.flatMap((message): ClaimedToolOutput[] => {
    if (message.role !== 'tool') return [];
    if (message.error !== undefined)
      return [{ toolCallId: message.toolCallId, ok: false, errorText: message.error }];
    const text =
      typeof message.content === 'string'
        ? message.content
        : message.content.map((part) => (part.type === 'text' ? part.text : '')).join('');
    let output: unknown = text;
    try {
      output = JSON.parse(text);
    } catch {
      // Plain text stays a string.
    }
    return [{ toolCallId: message.toolCallId, ok: true, output }];
  });
}

/**
 * The whole conversation of a stored thread's turn for `MESSAGES_SNAPSHOT`: the stored messages
 * and the client's new ones, each under the id it has in the thread (`m<seq>`). The client
 * replaces its copies with these, so the order is the thread's even when it sent only its new
 * message.
 */
const snapshotOf = (turn: ThreadTurn): AgUiSnapshotMessage[] =>
  storedToAgUiMessages([
    ...displayViewOf(turn.stored),
    ...turn.history
      .slice(turn.thread.storedCount)
      .map((message, index) => ({ seq: turn.thread.baseSeq + index, message, createdAt: 0 })),
  ]);

/**
 * `POST {prefix}/ag-ui`: AG-UI 1.0 over the gateway's own runs (`HttpAgent`, CopilotKit). A
 * thread is the session's conversation. A response ends where the run waits on the client:
 * an approval as an interrupt, a frontend tool with `pendingToolCallIds`; the run stays
 * held on the server, and the next run's `resume[]` or tool message, checked against the
 * pending answer, lets the same run continue.
 */
export function createAgUiHandler(context: ProtocolRouteContext): BodyRouteHandler<RunAgentInput> {
  const { config, sessionRuns, report, toolSignatures } = context;

  const respond = (
    located: LocatedRun,
    afterSeq: number,
    input: RunAgentInput,
    request: Request,
    sessionId: string,
    continuation?: AgUiEncoderOptions['continuation'],
    snapshot?: readonly unknown[],
  ): Response => {
    const encoder = createAgUiEncoder({
      threadId: input.threadId,
      runId: input.runId,
      signatures: toolSignatures.forSession(sessionId),
      ...(config.defaultModel === undefined ? {} : { model: config.defaultModel }),
      ...(continuation === undefined ? {} : { continuation }),
      ...(snapshot === undefined ? {} : { snapshot }),
    });
    return streamToFrontend(context, {
      located,
      afterSeq,
      request,
      framing: (onHold) => agUiFraming(encoder, onHold),
      headers: AG_UI_STREAM_HEADERS,
    });
  };

  return async (c, input) => {
    const session = c.var.session;
    const located = await sessionRuns.locate(session.sessionId);
    const streamResume = agUiStreamResumeOf(input);
    if (streamResume !== undefined) {
      const { runId, seq } = streamResume.position;
      if (located?.runId !== runId) {
        throw HttpError.detail(404, `Run ${runId} is not this session's current or most recent run`);
      }
      const entries = await located.snapshot(c.req.raw.signal);
      if (seq > (entries.at(-1)?.seq ?? 0)) {
        throw HttpError.detail(400, `lastEventId ${seq} is beyond the last event of run ${runId}`);
      }
      return respond(located, seq, input, c.req.raw, session.sessionId, {
        knownToolCallIds: announcedCallsOf(entries.filter((entry) => entry.seq <= seq)).map(
          (call) => call.toolCallId,
        ),
        answeredByClient: [],
        calls: announcedCallsOf(entries),
        textMessageId: streamResume.messageId,
      });
    }
    const waiting = located !== undefined && !located.finished ? located : undefined;
    const toolOutputs = claimedToolOutputs(input);
    const strategy = multitaskOf(input) ?? config.multitask;
    const answers = (input.resume ?? []).length > 0 || toolOutputs.length > 0;
    if (waiting !== undefined && (answers || strategy === 'reject')) {
      // The run waits: this request must answer it (resume[] or a frontend tool's result).
      const approvals = await claimedApprovals(waiting, input, c.req.raw.signal);
      const answered = await context.answers.answerFrontendClaims(session, {
        approvals,
        toolOutputs,
        nonceFromSession: true,
      });
      if (answered.length === 0) {
        throw HttpError.detail(
          409,
          'The thread has a run in progress or an open interrupt; answer it with resume[] (or a tool message), or cancel it with POST /chat/cancel',
        );
      }
      const entries = await waiting.snapshot(c.req.raw.signal);
      const knownToolCallIds = input.messages.flatMap((message) =>
        message.role === 'assistant' ? (message.toolCalls ?? []).map((call) => call.id) : [],
      );
      const answeredByClient = toolOutputs.map((output) => output.toolCallId);
      return respond(
        waiting,
        resumeSeqAfter(entries, new Set(answered)),
        input,
        c.req.raw,
        session.sessionId,
        {
          knownToolCallIds,
          answeredByClient,
          calls: announcedCallsOf(entries),
        },
      );
    }
    if ((input.resume ?? []).length > 0)
      throw HttpError.detail(409, 'No run of this thread waits for an answer');
    const database = config.database?.configured === true ? config.database : undefined;
    // With a database the thread is stored under `threadId`: its history is the stored one, and
    // the client's messages after its last assistant message are the new ones (a client may
    // send only those).
    const sent =
      database === undefined
        ? input.messages
        : input.messages.slice(input.messages.findLastIndex((message) => message.role === 'assistant') + 1);
    const added = agUiToHistory(
      { messages: sent, context: input.context },
      toolSignatures.forSession(session.sessionId),
    );
    if (added.length === 0 || added.at(-1)?.role !== 'user') {
      throw HttpError.detail(
        422,
        'The thread must end with a user message (or answer an interrupt with resume[])',
      );
    }
    // Built once the session's lock is held: a message that waited for the thread's previous
    // run (`multitask`) reads what that run wrote.
    let turn: ThreadTurn | undefined;
    const prepare = async (): Promise<ChatRunRequest> => {
      turn =
        database === undefined
          ? undefined
          : await threadTurn({ database, session, threadId: input.threadId, added, report });
      const history = turn?.history ?? added;
      return {
        messages: history.map((message) => ({ role: message.role, content: textOf(message) })),
        context: {},
        history,
        // Its client answers approvals within the run (the same run continues), never later.
        waitsInMemory: true,
        ...(turn === undefined ? {} : { thread: turn.thread }),
        clientTools: input.tools.map((tool) => ({
          name: tool.name,
          description: tool.description,
          input_schema: tool.parameters ?? { type: 'object', properties: {} },
        })),
      };
    };
    const started = await startFrontendRun({
      context,
      session,
      strategy,
      messages: added.flatMap((message) =>
        message.role === 'user' ? [{ role: 'user' as const, content: textOf(message) }] : [],
      ),
      prepare,
      signal: c.req.raw.signal,
      ...(database === undefined ? {} : { threadId: input.threadId }),
    });
    const ran = turn;
    const response = respond(
      started.located,
      started.afterSeq,
      input,
      c.req.raw,
      session.sessionId,
      undefined,
      ran === undefined || started.steered ? undefined : snapshotOf(ran),
    );
    setBudgetHeaders(response.headers, started.budgetStanding);
    return response;
  };
}
