import type { LocatedRun } from '../../chat/session-runs.js';
import { HttpError } from '../../../core/http-error.js';
import type { ChatRunRequest } from '../../contracts/request-schemas.js';
import type { BodyRouteHandler, RouteHandler } from '../../http/route-handler.js';
import type { ProtocolRouteContext } from '../protocol-route-context.js';
import { streamToFrontend } from '../stream-to-frontend.js';
import { startFrontendRun } from '../start-frontend-run.js';
import { createUiMessageEncoder, type UiMessageEncoderOptions } from './create-ui-message-encoder.js';
import { pendingAnswers } from './pending-answers.js';
import { toGatewayHistory } from './to-gateway-history.js';
import { isUiToolPart, type UiChatRequest } from './ui-chat-request.js';
import { uiMessageFraming } from './ui-message-framing.js';
import { completedCallIds, resumeSeqAfter, waitsForClient } from '../held-runs.js';
import { announcedCallsOf } from '../tool-history-signatures.js';
import { UI_MESSAGE_STREAM_HEADERS } from './ui-message-sse.js';
import { ownedThreadMessages, threadTurn } from '../../threads/thread-turn.js';
import { displayViewOf } from '../../../agent/thread-history.js';
import { uiMessageIdOf } from './ui-message-id.js';
import { storedToUiMessages } from './stored-to-ui-messages.js';
import { setBudgetHeaders } from '../../contracts/budget-wire.js';
import { parseResumePosition } from '../../sse/parse-resume-position.js';

/** `metadata.alwaysAllow` of the request body: `true`, or a list of approval ids. */
function alwaysAllowOf(body: UiChatRequest): boolean | ReadonlySet<string> {
  const metadata: unknown = Reflect.get(body, 'metadata');
  if (typeof metadata !== 'object' || metadata === null) return false;
  const flag: unknown = Reflect.get(metadata, 'alwaysAllow');
  if (flag === true) return true;
  if (Array.isArray(flag)) return new Set(flag.filter((id): id is string => typeof id === 'string'));
  return false;
}

/** A text-only view of the history, for transcripts and hooks (`ChatBody.messages`). */
function textView(history: ChatRunRequest['history'] & object): ChatRunRequest['messages'] {
  return history.map((message) => ({
    role: message.role,
    content:
      typeof message.content === 'string'
        ? message.content
        : message.content.map((block) => (block.type === 'text' ? block.text : '')).join(''),
  }));
}

/** The handlers of the AI SDK UI routes. */
export interface UiChatHandlers {
  chat: BodyRouteHandler<UiChatRequest>;
  messages: RouteHandler;
  stream: RouteHandler;
}

/**
 * `POST {prefix}/ui/chat` and `GET {prefix}/ui/chat/:chatId/stream`: the AI SDK UI message
 * stream (`useChat` with `DefaultChatTransport`) over the gateway's own runs. A response ends
 * where the run waits on the client (approval, client-side tool) while the run stays
 * held on the server; the next POST's answers are checked against the pending answers and
 * the same assistant message continues from where the previous response stopped.
 */
export function createUiChatHandlers(context: ProtocolRouteContext): UiChatHandlers {
  const { config, stores, sessionRuns, report, toolSignatures } = context;
  const isDynamicTool = (toolName: string): boolean => config.isMcpTool?.(toolName) ?? false;

  /** Streams `located` from after `afterSeq` as one UI message. */
  const respond = (
    located: LocatedRun,
    afterSeq: number,
    request: Request,
    options: {
      sessionId: string;
      continuation?: UiMessageEncoderOptions['continuation'];
      hasPendingAnswer?: (toolCallId: string) => boolean;
    },
  ): Response => {
    const encoder = createUiMessageEncoder({
      messageId: uiMessageIdOf(located.runId),
      isDynamicTool,
      signatures: toolSignatures.forSession(options.sessionId),
      ...(options.hasPendingAnswer === undefined ? {} : { hasPendingAnswer: options.hasPendingAnswer }),
      ...(options.continuation === undefined ? {} : { continuation: options.continuation }),
    });
    return streamToFrontend(context, {
      located,
      afterSeq,
      request,
      framing: (onHold) => uiMessageFraming(encoder, onHold),
      headers: UI_MESSAGE_STREAM_HEADERS,
    });
  };

  const chat: UiChatHandlers['chat'] = async (c, body) => {
    const session = c.var.session;
    const last = body.messages.at(-1);
    if (last?.role === 'assistant') {
      // The client answered what the previous response ended on: continue that run.
      const located = await sessionRuns.locate(session.sessionId);
      if (located === undefined || located.finished) {
        throw HttpError.detail(409, 'No run is waiting for an answer in this chat; send a new user message');
      }
      const answers = pendingAnswers(last);
      const alwaysAllow = alwaysAllowOf(body);
      const answered = await context.answers.answerFrontendClaims(session, {
        approvals: answers.approvals.map((approval) => ({
          ...approval,
          alwaysAllow:
            alwaysAllow === true || (alwaysAllow !== false && alwaysAllow.has(approval.approvalId)),
        })),
        toolOutputs: answers.toolOutputs,
      });
      if (answered.length === 0) {
        throw HttpError.detail(409, 'The last assistant message answers no call the run is waiting for');
      }
      const entries = await located.snapshot(c.req.raw.signal);
      const resumeAfter = resumeSeqAfter(entries, new Set(answered));
      const announced = last.parts.filter(isUiToolPart).map((part) => part.toolCallId);
      return respond(located, resumeAfter, c.req.raw, {
        sessionId: session.sessionId,
        continuation: { announcedToolCallIds: announced, calls: announcedCallsOf(entries) },
      });
    }
    const signatures = toolSignatures.forSession(session.sessionId);
    const database = config.database?.configured === true ? config.database : undefined;
    // With a database the chat is stored under its id: its history is the stored one, and only
    // the client's last message is new (a client may send just that one).
    const sent = database === undefined ? body.messages : body.messages.slice(-1);
    const added = toGatewayHistory(sent, signatures);
    if (added.length === 0) throw HttpError.detail(422, 'The chat has no message to answer');
    // Built once the session's lock is held: a message that waited for the chat's previous run
    // (`multitask`) reads what that run wrote.
    const prepare = async (): Promise<ChatRunRequest> => {
      const turn =
        database === undefined
          ? undefined
          : await threadTurn({
              database,
              session,
              threadId: body.id,
              added,
              report,
              regenerate: body.trigger === 'regenerate-message',
            });
      const history = turn?.history ?? added;
      return {
        messages: textView(history),
        context: {},
        history,
        // Its client answers approvals within the run (the same run continues), never later.
        waitsInMemory: true,
        ...(turn === undefined ? {} : { thread: turn.thread }),
      };
    };
    const started = await startFrontendRun({
      context,
      session,
      strategy: body.multitask ?? config.multitask,
      messages: textView(added).filter((message) => message.role === 'user'),
      prepare,
      signal: c.req.raw.signal,
      ...(database === undefined ? {} : { threadId: body.id }),
    });
    const response = respond(started.located, started.afterSeq, c.req.raw, {
      sessionId: session.sessionId,
    });
    setBudgetHeaders(response.headers, started.budgetStanding);
    return response;
  };

  const messages: RouteHandler = async (c) => {
    const stored = await ownedThreadMessages(config.database, c.var.session, c.req.param('chatId'), report);
    return c.json(storedToUiMessages(displayViewOf(stored), isDynamicTool));
  };

  const stream: RouteHandler = async (c) => {
    const { sessionId } = c.var.session;
    const located = await sessionRuns.locate(sessionId);
    // A client told to resume (`data-stream-resume`) names its run: the message is replayed
    // even when the run ended meanwhile on the instance that took it over.
    const named = parseResumePosition(c.req.header('last-event-id') ?? c.req.query('after')).runId;
    if (located === undefined || (located.finished && named !== located.runId)) return c.body(null, 204);
    // The client rebuilds the message from nothing: replay it whole, answered calls included.
    const entries = await located.snapshot(c.req.raw.signal);
    const settled = completedCallIds(entries);
    for (const { event } of entries) {
      if (!waitsForClient(event) || settled.has(event.tool_call_id)) continue;
      const record = await stores.pendingAnswers.get({
        sessionId: c.var.session.sessionId,
        runId: located.runId,
        toolCallId: event.tool_call_id,
      });
      if (record?.status === 'approval_received' || record?.status === 'received')
        settled.add(event.tool_call_id);
    }
    return respond(located, 0, c.req.raw, { sessionId, hasPendingAnswer: (id) => !settled.has(id) });
  };

  return { chat, messages, stream };
}
