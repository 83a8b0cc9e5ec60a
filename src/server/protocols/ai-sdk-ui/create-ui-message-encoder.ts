import { randomUUID } from 'node:crypto';
import type { GatewayEvent, ToolCallStartEvent } from '../../../core/events.js';
import {
  announcedCallOf,
  type AnnouncedToolCall,
  type SessionToolSignatures,
} from '../tool-history-signatures.js';
import { createUiBlocks } from './ui-blocks.js';
import { toRunNotice, toUsageTotals, type RunNotice } from '../run-notices.js';
import { createUiToolChunks } from './ui-tool-chunks.js';
import type { UiFinishReason, UiMessageChunk, UiMessageMetadata } from './ui-message-chunks.js';

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

interface ToolCallState {
  /** Preliminary output of a running call (code execution), as streamed so far. */
  streamedOutput: string;
}

const isMcpLocation = (_toolName: string, event: ToolCallStartEvent): boolean =>
  event.execution_location !== 'backend' && event.execution_location !== 'client';

/**
 * Creates the stateful encoder from our run events to the AI SDK 6 UI message stream, for one
 * HTTP response.
 *
 * Invariants the client's reducer needs (it throws otherwise): `start{messageId}` comes first
 * and once; every `text-delta` / `reasoning-delta` is inside its own `*-start` … `*-end` block,
 * and blocks are closed before any tool chunk and before a step ends; no tool chunk names a
 * call the client has not seen; `finish`, `error` and `abort` are the last chunk. Steps: one
 * per model turn, a new one when the model speaks again after tool results came back. Our
 * events carry no turn boundary, so two consecutive tool-only turns share one step.
 */
export function createUiMessageEncoder(options: UiMessageEncoderOptions): UiMessageEncoder {
  const { messageId } = options;
  const isDynamicTool = options.isDynamicTool ?? isMcpLocation;
  const hasPendingAnswer = options.hasPendingAnswer ?? (() => true);
  const createBlockId = options.createBlockId ?? randomUUID;
  const toolCalls = new Map<string, ToolCallState>();
  // Calls announced by an earlier response: their outcomes open this one before any step, as
  // the AI SDK's own server sends the results of approved calls.
  const earlierCalls = new Set<string>(options.continuation?.announcedToolCallIds ?? []);
  for (const id of earlierCalls) {
    toolCalls.set(id, { streamedOutput: '' });
  }
  const toolChunks = createUiToolChunks(options.signatures, options.continuation?.calls);
  let started = false;
  let ended = false;
  let stepOpen = false;
  let stepHasToolResults = false;
  let stoppedByLimit = false;
  let out: UiMessageChunk[] = [];

  const emit = (chunk: UiMessageChunk): void => {
    if (!started) {
      started = true;
      out.push({ type: 'start', messageId });
    }
    out.push(chunk);
  };
  const blocks = createUiBlocks(emit, createBlockId);
  const closeBlocks = (): void => blocks.close();
  const openStep = (): void => {
    if (stepOpen) return;
    emit({ type: 'start-step' });
    stepOpen = true;
    stepHasToolResults = false;
  };
  const closeStep = (): void => {
    closeBlocks();
    if (stepOpen) emit({ type: 'finish-step' });
    stepOpen = false;
  };
  /** The model speaks: after tool results, that is the next model call. */
  const openModelStep = (): void => {
    if (stepHasToolResults) closeStep();
    openStep();
  };
  const finish = (finishReason: UiFinishReason, metadata?: UiMessageMetadata): void => {
    closeStep();
    emit(
      metadata === undefined
        ? { type: 'finish', finishReason }
        : { type: 'finish', finishReason, messageMetadata: metadata },
    );
    ended = true;
  };
  const fail = (chunk: UiMessageChunk): void => {
    closeStep();
    emit(chunk);
    ended = true;
  };
  const announce = (
    call: AnnouncedToolCall,
    event: { nonce?: string; expires_at?: number },
    extra: { dynamic?: true },
  ): void => {
    openStep();
    closeBlocks();
    if (toolCalls.has(call.toolCallId)) return;
    toolCalls.set(call.toolCallId, { streamedOutput: '' });
    for (const chunk of toolChunks.input(call, event, extra)) emit(chunk);
  };
  /** A run notice as a transient data part (`data-stream-retry`, ...): the client does not keep it. */
  const transient = ({ name, value }: RunNotice): void => {
    emit({ type: `data-${name.replaceAll('_', '-')}`, data: value, transient: true });
  };

  const handle = (event: GatewayEvent): void => {
    switch (event.type) {
      case 'text_delta':
        if (event.text === '') return;
        openModelStep();
        blocks.text(event.text);
        return;
      case 'thinking_delta':
        if (event.text === '') return;
        openModelStep();
        blocks.reasoning(event.text);
        return;
      case 'tool_call_start':
        announce(
          announcedCallOf(event),
          event,
          isDynamicTool(event.tool_name, event) ? { dynamic: true } : {},
        );
        if (event.execution_location === 'client' && hasPendingAnswer(event.tool_call_id))
          finish('tool-calls');
        return;
      case 'tool_approval_request':
        // Normally announced by its tool_call_start already; the request carries all it needs.
        announce(announcedCallOf(event), {}, {});
        emit({ type: 'tool-approval-request', approvalId: event.nonce, toolCallId: event.tool_call_id });
        if (hasPendingAnswer(event.tool_call_id)) finish('tool-calls');
        return;
      case 'tool_output_chunk': {
        const call = toolCalls.get(event.tool_call_id);
        if (call === undefined) return;
        call.streamedOutput += event.text;
        openStep();
        closeBlocks();
        emit({
          type: 'tool-output-available',
          toolCallId: event.tool_call_id,
          output: call.streamedOutput,
          preliminary: true,
        });
        return;
      }
      case 'tool_call_complete': {
        if (!toolCalls.has(event.tool_call_id)) return;
        if (!stepOpen && earlierCalls.has(event.tool_call_id)) {
          emit(toolChunks.outcome(event));
          return;
        }
        openStep();
        closeBlocks();
        stepHasToolResults = true;
        emit(toolChunks.outcome(event));
        return;
      }
      case 'stream_retry':
        // v6 cannot drop the failed attempt's parts (v7 `reset-step` can): close them and say so.
        closeBlocks();
        transient(toRunNotice(event));
        return;
      case 'model_fallback':
      case 'interceptor_decision':
      case 'compaction':
      case 'steering_message':
        transient(toRunNotice(event));
        return;
      case 'max_turns_reached':
      case 'budget_exceeded':
        stoppedByLimit = true;
        transient(toRunNotice(event));
        return;
      case 'stream_complete': {
        const usage = toUsageTotals(event.usage);
        finish(stoppedByLimit ? 'other' : 'stop', usage === undefined ? undefined : { usage });
        return;
      }
      case 'error':
        // A cancellation is the one terminal error without a code (src/core/events.ts).
        fail(
          event.code === undefined
            ? { type: 'abort', reason: event.error }
            : { type: 'error', errorText: event.error },
        );
        return;
      case 'stream_error':
        fail({ type: 'error', errorText: event.error });
        return;
      case 'heartbeat':
        return;
      default: {
        const unhandled: never = event;
        return unhandled;
      }
    }
  };

  const collect = (body: () => void): UiMessageChunk[] => {
    if (ended) return [];
    out = [];
    body();
    return out;
  };

  return {
    encode: (event) => collect(() => handle(event)),
    end: (reason) =>
      collect(() => fail(reason === undefined ? { type: 'abort' } : { type: 'abort', reason })),
    get ended() {
      return ended;
    },
    // A block is closed before anything else is emitted (tool chunks, a step's end, the end).
    get openTextId() {
      return ended ? undefined : blocks.openTextId;
    },
  };
}
