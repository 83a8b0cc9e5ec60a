import { isHttpError } from '../../../core/http-error.js';
import type { SessionRecord } from '../../../core/stores.js';
import type { ProtocolRouteContext } from '../protocol-route-context.js';
import { streamToFrontend } from '../stream-to-frontend.js';
import { startToolRun } from './agent-tool-run.js';
import type { ElicitationIds } from './elicitation-ids.js';
import { elicitationAsker, mcpCallFraming, toolResultFraming } from './mcp-call-framing.js';
import type { LocatedRun } from '../../chat/session-runs.js';
import { mcpCallEventIdPrefix, mcpCallNotFound, type McpCallPosition } from './mcp-call-event-ids.js';
import { parseToolCallRequest } from './tool-call-request.js';

/** Response headers of a call's event stream. */
const STREAM_HEADERS = {
  'content-type': 'text/event-stream',
  'cache-control': 'no-cache',
  'x-accel-buffering': 'no',
} as const;

/** What serving one call needs. */
export interface LegacyToolCallOptions {
  context: ProtocolRouteContext;
  toolName: string;
  session: SessionRecord;
  /** The MCP session's id (sent back in the response, as the SDK's transport does). */
  mcpSessionId: string;
  /** Whether the client declared it can answer form elicitations. */
  canElicit: boolean;
  elicitationIds: ElicitationIds;
  request: Request;
  body: unknown;
}

/**
 * A 2025-11-25 `tools/call` of the agent's tool served from the run's log, like the other
 * protocols' streams (direct writes, frames of one turn coalesced): progress notifications for
 * the text, `elicitation/create` for an approval (its id seals the call it answers, so the
 * answer may reach any instance), the result last. Undefined for a request the SDK should
 * answer (another tool, arguments the schema refuses, a malformed envelope).
 */
export async function serveLegacyToolCall(options: LegacyToolCallOptions): Promise<Response | undefined> {
  const call = parseToolCallRequest(options.body, options.toolName);
  if (call === undefined) return undefined;
  const { context, session } = options;
  const headers = { ...STREAM_HEADERS, 'mcp-session-id': options.mcpSessionId };
  const result = toolResultFraming(call.id);
  let located;
  try {
    located = await startToolRun(context, session, call.input, { waitsInMemory: true });
  } catch (error) {
    if (!isHttpError(error)) throw error;
    const body = error.body as Record<string, unknown>;
    const detail = typeof body['detail'] === 'string' ? body['detail'] : error.message;
    return new Response(result(`The gateway refused the request (HTTP ${error.status}): ${detail}`, true), {
      headers,
    });
  }
  return streamLegacyCall(options, located, headers, {
    runId: located.runId,
    startSeq: 0,
    callId: call.id,
    progressToken: call.progressToken,
    canElicit: options.canElicit,
    legacy: true,
  });
}

/** What resuming a 2025-11-25 call's stream needs. */
export interface LegacyToolCallResumeOptions {
  context: ProtocolRouteContext;
  session: SessionRecord;
  elicitationIds: ElicitationIds;
  request: Request;
  position: McpCallPosition;
}

/**
 * A `GET /mcp` with the `Last-Event-ID` of a 2025-11-25 call's stream: the rest of the call from
 * the run's shared log on whichever instance the client reached, as `resumeModernToolCall` does.
 */
export async function resumeLegacyToolCall(options: LegacyToolCallResumeOptions): Promise<Response> {
  const { position } = options;
  const located = await options.context.sessionRuns.locate(options.session.sessionId);
  if (located?.runId !== position.runId) return mcpCallNotFound(position.runId);
  const sessionId = options.request.headers.get('mcp-session-id');
  const headers = { ...STREAM_HEADERS, ...(sessionId === null ? {} : { 'mcp-session-id': sessionId }) };
  return streamLegacyCall(options, located, headers, position);
}

/** The stream of one call from `position.startSeq` (frames through `seq` left out when given). */
function streamLegacyCall(
  options: Pick<LegacyToolCallOptions, 'context' | 'session' | 'elicitationIds' | 'request'>,
  located: LocatedRun,
  headers: Record<string, string>,
  position: Omit<McpCallPosition, 'seq'> & { seq?: number },
): Response {
  const { context, session } = options;
  const framing = mcpCallFraming({
    canElicit: position.canElicit,
    askApproval: elicitationAsker(session, options.elicitationIds),
    progressToken: position.progressToken,
    result: toolResultFraming(position.callId),
    cancel: () => void context.cancelRun(session).catch(() => undefined),
    eventIds: { prefix: mcpCallEventIdPrefix(position), sentThrough: position.seq ?? position.startSeq },
  });
  return streamToFrontend(context, {
    located,
    afterSeq: position.startSeq,
    request: options.request,
    framing: () => framing,
    headers,
  });
}

/** Reads a client's answer to one of our elicitations: the decision it carries. */
export function decisionOf(message: Record<string, unknown>): { approved: boolean; alwaysAllow: boolean } {
  const result = message['result'];
  if (typeof result !== 'object' || result === null) return { approved: false, alwaysAllow: false };
  const action: unknown = Reflect.get(result, 'action');
  const content: unknown = Reflect.get(result, 'content');
  const accepted = action === 'accept' && typeof content === 'object' && content !== null;
  return {
    approved: accepted && Reflect.get(content, 'approved') === true,
    alwaysAllow: accepted && Reflect.get(content, 'always_allow') === true,
  };
}
