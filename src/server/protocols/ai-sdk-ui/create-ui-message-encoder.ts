import type { GatewayEvent, ToolCallStartEvent } from '../../../core/events.js';
import type { AnnouncedToolCall, SessionToolSignatures } from '../tool-history-signatures.js';
import { dispatchEvent } from '../event-handlers.js';
import { lastEventIdOf, type StreamResume } from '../../sse/stream-resume-notice.js';
import type { UiMessageChunk } from './ui-message-chunks.js';
import { UiMessageEncoding } from './ui-message-encoding.js';
import { uiMessageEventHandlers } from './ui-message-event-handlers.js';

/** Options of `createUiMessageEncoder`. */
export interface UiMessageEncoderOptions {
  /** Id of the assistant message; a continuation reuses the id of the message it continues. */
  messageId: string;
  /**
   * Whether a tool call becomes a `dynamic-tool` part (MCP tools) rather than `tool-<name>`.
   * Default: when `execution_location` names neither `backend` nor `client` (an MCP server).
   * Our `tool_call_start` does not say which MCP server serves a tool today, so the route
   * should pass a lookup in the MCP client manager.
   */
  isDynamicTool?: (toolName: string, event: ToolCallStartEvent) => boolean;
  /**
   * Whether the run is still waiting on the client for this call (an approval or a client-side
   * tool). When it is, the response ends there with `finish{finishReason: "tool-calls"}`.
   * Default: always. A resume that replays a message whose approval was already answered
   * returns false for that call, so the replay carries on to the calls' outputs.
   */
  hasPendingAnswer?: (toolCallId: string) => boolean;
  /**
   * Set when this response continues the same assistant message after the client answered
   * (approval or client-tool output): the calls the client's message already holds. They are
   * not announced again (a second `tool-input-start` would reset the client's part), but their
   * outputs are sent. `calls` are the run's calls as its log has them, so that their outcomes
   * can be signed.
   */
  continuation?: { announcedToolCallIds: Iterable<string>; calls?: Iterable<AnnouncedToolCall> };
  /**
   * Signs every call announced and every server tool's outcome (`toolMetadata.gatewaySignature`)
   * so that the client's copy is accepted in a later request's history. Nothing is signed
   * without it.
   */
  signatures?: SessionToolSignatures;
  /** Ids of text and reasoning blocks, unique within the message; random UUIDs unless given. */
  createBlockId?: () => string;
}

/** Turns the native events of one response into UI message chunks. */
export interface UiMessageEncoder {
  /**
   * The chunks for one native event, in order; `[]` for events the client does not see
   * (heartbeats, outputs of calls it never saw) and for anything after the response ended.
   */
  encode(event: GatewayEvent): UiMessageChunk[];
  /** Ends the response as aborted (`abort{reason}`) unless it already ended; `[]` then. */
  end(reason?: string): UiMessageChunk[];
  /**
   * Ends the response because its run goes on on another instance, unless it already ended
   * (`[]` then): the open blocks and step are closed and a transient `data-stream-resume` part
   * (`{reason, lastEventId}`) is the last chunk, with no `finish`: the message is not complete,
   * and the client resumes it (`resumeStream()`, which replays it whole).
   */
  resume(notice: StreamResume): UiMessageChunk[];
  /** True once `finish`, `error` or `abort` was emitted: nothing may follow but `[DONE]`. */
  readonly ended: boolean;
  /**
   * The id of the text block open now, or undefined. While it is set, a non-empty `text_delta`
   * encodes to exactly one chunk, `{type: 'text-delta', id: openTextId, delta: text}`, and
   * changes nothing else in the encoder: a framing may then write that frame itself, from a
   * prefix serialised once per block, without calling `encode`.
   */
  readonly openTextId: string | undefined;
}

/**
 * Creates the stateful encoder from our run events to the AI SDK 6 UI message stream, for one
 * HTTP response.
 *
 * Invariants the client's reducer needs (it throws otherwise): `start{messageId}` comes first
 * and once; every `text-delta` / `reasoning-delta` is inside its own `*-start` … `*-end` block,
 * and blocks are closed before any tool chunk and before a step ends; no tool chunk names a
 * call the client has not seen; `finish`, `error` and `abort` are the last chunk. Steps: one
 * per model turn, a new one when the model speaks again after tool results came back. Our
 * events carry no turn boundary, so two consecutive tool-only turns share one step. The
 * response's state is a `UiMessageEncoding`; what each kind of event becomes is its handler in
 * `uiMessageEventHandlers`.
 */
export function createUiMessageEncoder(options: UiMessageEncoderOptions): UiMessageEncoder {
  const encoding = new UiMessageEncoding(options);
  return {
    encode(event) {
      if (encoding.ended) return [];
      encoding.out = [];
      dispatchEvent(uiMessageEventHandlers, encoding, event);
      return encoding.out;
    },
    resume(notice) {
      if (encoding.ended) return [];
      encoding.out = [];
      encoding.closeStep();
      encoding.emit({
        type: 'data-stream-resume',
        data: { reason: notice.reason, lastEventId: lastEventIdOf(notice) },
        transient: true,
      });
      encoding.ended = true;
      return encoding.out;
    },
    end(reason) {
      if (encoding.ended) return [];
      encoding.out = [];
      encoding.fail(reason === undefined ? { type: 'abort' } : { type: 'abort', reason });
      return encoding.out;
    },
    get ended() {
      return encoding.ended;
    },
    // A block is closed before anything else is emitted (tool chunks, a step's end, the end).
    get openTextId() {
      return encoding.ended ? undefined : encoding.blocks.openTextId;
    },
  };
}
