import { z } from 'zod';
import type { LogEntry } from '../../../core/events.js';
import type { SessionRecord } from '../../../core/stores.js';
import type { SseFrame, SseFraming } from '../../sse/sse-framing.js';
import { approvalSchema } from './agent-mcp-server.js';
import type { ElicitationIds } from './elicitation-ids.js';

/** The form a person fills in for an approval, as `elicitation/create` sends it. */
const approvalForm = z.toJSONSchema(approvalSchema, { io: 'input' });
const { $schema: _dialect, ...requestedSchema } = approvalForm;

/** One message as an SSE event (the default event type, `message`). */
const frame = (message: unknown): string => `data: ${JSON.stringify(message)}\n\n`;

/**
 * The frame of a call's result, from a prefix serialised once: byte for byte
 * `data: ${JSON.stringify({ jsonrpc: '2.0', id, result: { content: [{ type: 'text', text }], isError: true? } })}`.
 */
export function toolResultFraming(id: string | number): (text: string, isError: boolean) => string {
  const head = `data: {"jsonrpc":"2.0","id":${JSON.stringify(id)},"result":{"content":[{"type":"text","text":`;
  return (text, isError) => `${head}${JSON.stringify(text)}}]${isError ? ',"isError":true' : ''}}}\n\n`;
}

/** What the framing of one call needs. */
export interface McpCallFramingOptions {
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
export function mcpCallFraming(options: McpCallFramingOptions): SseFraming {
  let text = '';
  let written = 0;
  const token = options.progressToken;
  const progressHead =
    token === undefined
      ? ''
      : `data: {"jsonrpc":"2.0","method":"notifications/progress","params":{"progressToken":${JSON.stringify(token)},"progress":`;
  // One result object for the stream, refilled per entry (the stream reads it before the next).
  const framed: SseFrame = { text: '', last: false };
  const framedAs = (body: string, last: boolean): SseFrame => {
    framed.text = body;
    framed.last = last;
    return framed;
  };
  const none = (): SseFrame => framedAs('', false);
  const end = (body: string): SseFrame => framedAs(body, true);
  return {
    frame(entry: LogEntry) {
      const event = entry.event;
      switch (event.type) {
        case 'text_delta':
          text += event.text;
          written += event.text.length;
          if (token === undefined || event.text === '') return none();
          return framedAs(`${progressHead}${written},"message":${JSON.stringify(event.text)}}}\n\n`, false);
        case 'stream_retry':
          text = '';
          return none();
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
          return framedAs(
            frame({
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
            false,
          );
        case 'tool_call_start':
          if (event.execution_location !== 'client') return none();
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
          return none();
      }
    },
    ping: () => ': keep-alive\n\n',
    failure: (message) => options.result(`The agent's answer could not be sent: ${message}`, true),
  };
}
