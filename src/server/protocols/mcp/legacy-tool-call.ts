import { z } from 'zod';
import type { LogEntry } from '../../../core/events.js';
import { isHttpError } from '../../../core/http-error.js';
import type { SessionRecord } from '../../../core/stores.js';
import type { SseFraming } from '../../sse/sse-stream.js';
import type { ProtocolRouteContext } from '../protocol-route-context.js';
import { streamToFrontend } from '../stream-to-frontend.js';
import { approvalSchema } from './agent-mcp-server.js';
import { startToolRun } from './agent-tool-run.js';
import type { ElicitationIds } from './elicitation-ids.js';
import { parseToolCallRequest } from './tool-call-request.js';

/** Response headers of a call's event stream. */
const STREAM_HEADERS = {
  'content-type': 'text/event-stream',
  'cache-control': 'no-cache',
  'x-accel-buffering': 'no',
} as const;

/** The form a person fills in for an approval, as `elicitation/create` sends it. */
const approvalForm = z.toJSONSchema(approvalSchema, { io: 'input' });
const { $schema: _dialect, ...requestedSchema } = approvalForm;

/** One message as an SSE event (the default event type, `message`). */
const frame = (message: unknown): string => `data: ${JSON.stringify(message)}\n\n`;

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
  const callId = call.id;
  const headers = { ...STREAM_HEADERS, 'mcp-session-id': options.mcpSessionId };
  const result = (text: string, isError: boolean): string =>
    frame({
      jsonrpc: '2.0',
      id: callId,
      result: { content: [{ type: 'text', text }], ...(isError ? { isError: true } : {}) },
    });
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
  const framing = mcpCallFraming({
    ...options,
    progressToken: call.progressToken,
    result,
    cancel: () => void context.cancelRun(session).catch(() => undefined),
  });
  return streamToFrontend(context, {
    located,
    afterSeq: 0,
    request: options.request,
    framing: () => framing,
    headers,
  });
}

/** What the framing of one call needs. */
interface CallFramingOptions {
  session: SessionRecord;
  canElicit: boolean;
  elicitationIds: ElicitationIds;
  progressToken: string | number | undefined;
  result: (text: string, isError: boolean) => string;
  /** Cancels the call's run (an approval the client cannot give). */
  cancel: () => void;
}

/** How long the sealed id of an elicitation stays answerable. */
const ELICITATION_TTL_MS = 24 * 3_600_000;

/** The frames of one call: the run's events as MCP messages (docs/protocol.md, "MCP server"). */
function mcpCallFraming(options: CallFramingOptions): SseFraming {
  let text = '';
  let written = 0;
  const token = options.progressToken;
  const progressHead =
    token === undefined
      ? ''
      : `data: {"jsonrpc":"2.0","method":"notifications/progress","params":{"progressToken":${JSON.stringify(token)},"progress":`;
  const end = (body: string) => ({ text: body, last: true });
  return {
    frame(entry: LogEntry) {
      const event = entry.event;
      switch (event.type) {
        case 'text_delta':
          text += event.text;
          written += event.text.length;
          if (token === undefined || event.text === '') return { text: '', last: false };
          return {
            text: `${progressHead}${written},"message":${JSON.stringify(event.text)}}}\n\n`,
            last: false,
          };
        case 'stream_retry':
          text = '';
          return { text: '', last: false };
        case 'tool_approval_request':
          if (!options.canElicit) {
            options.cancel();
            return end(
              options.result(
                `The agent needs a person's approval to run ${event.tool_name}, and this MCP client cannot ask for one (it declared no elicitation capability), so the request was cancelled.`,
                true,
              ),
            );
          }
          return {
            text: frame({
              jsonrpc: '2.0',
              id: options.elicitationIds.seal(
                options.session,
                { toolCallId: event.tool_call_id, nonce: event.nonce },
                ELICITATION_TTL_MS,
              ),
              method: 'elicitation/create',
              params: {
                mode: 'form',
                message: `The agent asks to run ${event.tool_name} with ${JSON.stringify(event.tool_input).slice(0, 2000)}. Allow it?`,
                requestedSchema,
              },
            }),
            last: false,
          };
        case 'tool_call_start':
          if (event.execution_location !== 'client') return { text: '', last: false };
          options.cancel();
          return end(
            options.result(
              `The agent needs the client-side tool ${event.tool_name}, which an MCP caller cannot run, so the request was cancelled.`,
              true,
            ),
          );
        case 'stream_complete':
          return end(options.result(text, false));
        case 'error':
          return end(
            options.result(
              event.code === undefined
                ? `The agent's run was cancelled: ${event.error}`
                : `The agent failed (${event.code}): ${event.error}`,
              true,
            ),
          );
        default:
          return { text: '', last: false };
      }
    },
    ping: () => ': keep-alive\n\n',
    failure: (message) => options.result(`The agent's answer could not be sent: ${message}`, true),
  };
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
