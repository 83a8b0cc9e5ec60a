import { z } from 'zod';
import type { GatewayEvent, LogEntry } from '../../../core/events.js';
import type { SessionRecord } from '../../../core/stores.js';
import type { SseFrame, SseFraming } from '../../sse/sse-framing.js';
import { createTurnText } from '../turn-text.js';
import { approvalSchema } from './agent-mcp-server.js';
import type { ElicitationIds } from './elicitation-ids.js';

/** A log entry of an approval the run asks for. */
export type ApprovalEntry = LogEntry & { event: Extract<GatewayEvent, { type: 'tool_approval_request' }> };

/** The form a person fills in for an approval, as `elicitation/create` sends it. */
const approvalForm = z.toJSONSchema(approvalSchema, { io: 'input' });
const { $schema: _dialect, ...requestedSchema } = approvalForm;

/** One message as an SSE event (the default event type, `message`). */
const frame = (message: unknown): string => `data: ${JSON.stringify(message)}\n\n`;

/**
 * The frame of a call's result, from a prefix serialised once: byte for byte
 * `data: ${JSON.stringify({ jsonrpc: '2.0', id, result: { content: [{ type: 'text', text }], isError: true? } })}`,
 * with `resultTail` (serialised members, each after a comma) ending the result object: the
 * 2026-07-28 revision's `resultType` and `_meta`.
 */
export function toolResultFraming(
  id: string | number,
  resultTail = '',
): (text: string, isError: boolean) => string {
  const head = `data: {"jsonrpc":"2.0","id":${JSON.stringify(id)},"result":{"content":[{"type":"text","text":`;
  return (text, isError) =>
    `${head}${JSON.stringify(text)}}]${isError ? ',"isError":true' : ''}${resultTail}}}\n\n`;
}

/** What the framing of one call needs. */
export interface McpCallFramingOptions {
  /** Whether the client declared it can answer form elicitations. */
  canElicit: boolean;
  progressToken: string | number | undefined;
  result: (text: string, isError: boolean) => string;
  /** Cancels the call's run (an approval the client cannot give). */
  cancel: () => void;
  /**
   * The frames asking for an approval (the client can answer one), and whether the response ends
   * with them: an `elicitation/create` request on the call's stream (2025-11-25,
   * `elicitationAsker`) or an `input_required` result (2026-07-28).
   */
  askApproval: (entry: ApprovalEntry) => { text: string; last: boolean };
  /**
   * Gives every frame an `id:`, `prefix` and the entry's sequence number (`mcpCallEventIdPrefix`),
   * and ends a handed-over stream with such an id and no message, as MCP tells a client to
   * reconnect with `Last-Event-ID`. The entries through `sentThrough` were sent already (the
   * call's start, or where a resumed stream's client stood): folded, not framed again. Unset: no
   * ids, and such a stream just ends.
   */
  eventIds?: { prefix: string; sentThrough: number } | undefined;
}

/** How long the sealed id of an elicitation stays answerable. */
const ELICITATION_TTL_MS = 24 * 3_600_000;

/**
 * Asks for an approval as 2025-11-25 does: an `elicitation/create` request on the call's stream
 * whose id seals the call it answers (so the answer may reach any instance).
 */
export function elicitationAsker(
  session: SessionRecord,
  elicitationIds: ElicitationIds,
): McpCallFramingOptions['askApproval'] {
  return ({ event }) => ({
    text: frame({
      jsonrpc: '2.0',
      id: elicitationIds.seal(
        session,
        { toolCallId: event.tool_call_id, nonce: event.nonce },
        ELICITATION_TTL_MS,
      ),
      method: 'elicitation/create',
      params: {
        mode: 'form',
        message: approvalMessage(event.tool_name, event.tool_input),
        requestedSchema,
      },
    }),
    last: false,
  });
}

/** What a person is asked to approve. */
export const approvalMessage = (toolName: string, input: unknown): string =>
  `The agent asks to run ${toolName} with ${JSON.stringify(input).slice(0, 2000)}. Allow it?`;

/**
 * The frames of one call with event ids (`McpCallFramingOptions.eventIdPrefix`): each frame's
 * `id:` first, entries already sent left out but their `last` kept, and the resume notice.
 */
function withEventIds(framing: SseFraming, prefix: string, sentThrough: number): SseFraming {
  // The last entry this stream framed: its resume position never claims one it did not send.
  let framedThrough = sentThrough;
  return {
    frame(entry) {
      const framed = framing.frame(entry);
      framedThrough = Math.max(framedThrough, entry.seq);
      if (framed.text === '') return framed;
      if (entry.seq <= sentThrough && !framed.last) framed.text = '';
      else framed.text = `id: ${prefix}${entry.seq}\n${framed.text}`;
      return framed;
    },
    ping: (nowMs) => framing.ping(nowMs),
    failure: (message) => framing.failure(message),
    // An event with an id and an empty `data`: the client keeps it as its position and, the
    // stream having ended without the call's response, reconnects with `GET` and `Last-Event-ID`.
    // The position is the last entry both sent here and in the shared log, so the stream resumed
    // from it repeats nothing and misses nothing.
    resume: (notice) => `id: ${prefix}${Math.min(framedThrough, notice.lastSeq)}\ndata:\n\n`,
  };
}

/** The frames of one call: the run's events as MCP messages (docs/protocol.md, "MCP server"). */
export function mcpCallFraming(options: McpCallFramingOptions): SseFraming {
  const framing = eventFraming(options);
  const { eventIds } = options;
  return eventIds === undefined ? framing : withEventIds(framing, eventIds.prefix, eventIds.sentThrough);
}

/** The frames of one call without event ids. */
function eventFraming(options: McpCallFramingOptions): SseFraming {
  // The text of separate model turns is separated by a paragraph break (`TurnText`).
  const turns = createTurnText();
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
        case 'text_delta': {
          const added = turns.fold(event);
          if (added === undefined) return none();
          written += added.length;
          if (token === undefined) return none();
          return framedAs(`${progressHead}${written},"message":${JSON.stringify(added)}}}\n\n`, false);
        }
        case 'stream_retry':
          turns.fold(event);
          return none();
        case 'tool_approval_request': {
          turns.fold(event);
          if (!options.canElicit) {
            options.cancel();
            return end(
              options.result(
                `The agent needs a person's approval to run ${event.tool_name}, and this MCP client cannot ask for one (it declared no elicitation capability), so the request was cancelled.`,
                true,
              ),
            );
          }
          const asked = options.askApproval({ ...entry, event });
          return framedAs(asked.text, asked.last);
        }
        case 'tool_call_start':
          turns.fold(event);
          if (event.execution_location !== 'client') return none();
          options.cancel();
          return end(
            options.result(
              `The agent needs the client-side tool ${event.tool_name}, which an MCP caller cannot run, so the request was cancelled.`,
              true,
            ),
          );
        case 'stream_complete':
          return end(options.result(turns.joined, false));
        case 'error':
          // A run suspended after a response ended on its question goes on when answered.
          if (event.code === 'run_suspended') return none();
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
