import { randomUUID } from 'node:crypto';
import type { GatewayEvent, ToolApprovalRequestEvent, ToolCallCompleteEvent } from '../../../core/events.js';
import {
  announcedCallOf,
  type AnnouncedToolCall,
  type SessionToolSignatures,
} from '../tool-history-signatures.js';
import { toRunNotice, toUsageTotals, type UsageTotals } from '../run-notices.js';
import type { AgUiEvent, AgUiInterrupt, AgUiOutcome, AgUiTokenUsage } from './ag-ui-events.js';

/** The tool that runs a sub-agent; its calls also show as `SUBAGENT_*` events. */
const SUB_AGENT_TOOL = 'run_agent';

/** Options of `createAgUiEncoder`. */
export interface AgUiEncoderOptions {
  threadId: string;
  /** The AG-UI run id of this response (the client's `RunAgentInput.runId`). */
  runId: string;
  /** The model, for `RUN_FINISHED.usage`. */
  model?: string;
  /**
   * Whether the run still waits on the client for this call (approval or frontend tool); the
   * response then ends there. Default: always.
   */
  hasPendingAnswer?: (toolCallId: string) => boolean;
  /**
   * Set when this response continues a run after the client answered: calls the client
   * already knows (not announced again; their results are sent) and those whose result the
   * client itself supplied (frontend tools: no `TOOL_CALL_RESULT` echoes its own answer).
   * `calls` are the run's calls as its log has them, so that their results can be signed.
   */
  continuation?: {
    knownToolCallIds: Iterable<string>;
    answeredByClient: Iterable<string>;
    calls?: Iterable<AnnouncedToolCall>;
  };
  /**
   * Signs every call announced and every server tool's result (`metadata.gatewaySignature`)
   * so that the client's copy is accepted in a later run's thread. Nothing is signed without it.
   */
  signatures?: SessionToolSignatures;
  /** Ids of messages; random UUIDs unless given. */
  createId?: () => string;
  /**
   * The whole conversation, sent as `MESSAGES_SNAPSHOT` right after `RUN_STARTED` (a stored
   * thread whose client sent only its new messages).
   */
  snapshot?: readonly unknown[];
}

/** Turns the native events of one response into AG-UI events. */
export interface AgUiEncoder {
  /** `RUN_STARTED`: the first event of every response. */
  start(): AgUiEvent[];
  /** The events for one native event; `[]` after the response ended. */
  encode(event: GatewayEvent): AgUiEvent[];
  /** True once `RUN_FINISHED` or `RUN_ERROR` was emitted. */
  readonly ended: boolean;
  /**
   * The id of the text message open now, or undefined. While it is set, a `text_delta`
   * encodes to exactly one event, `{type: 'TEXT_MESSAGE_CONTENT', messageId: openTextId,
   * delta: text}`, and changes nothing else in the encoder: a framing may then write that frame
   * itself, from a prefix serialised once per message, without calling `encode`.
   */
  readonly openTextId: string | undefined;
}

const interruptOf = (event: ToolApprovalRequestEvent): AgUiInterrupt => ({
  id: event.nonce,
  reason: 'tool_call',
  toolCallId: event.tool_call_id,
  message: `Allow the call of ${event.tool_name}?`,
  responseSchema: {
    type: 'object',
    properties: { approved: { type: 'boolean' }, alwaysAllow: { type: 'boolean' } },
    required: ['approved'],
  },
  expiresAt: new Date(event.expires_at * 1000).toISOString(),
  metadata: {
    toolName: event.tool_name,
    toolInput: event.tool_input,
    ...(event.sandboxed === undefined ? {} : { sandboxed: event.sandboxed }),
  },
});

/** The `SUBAGENT_STARTED` of a sub-agent call, named after the agent its input asks for. */
const subAgentStartedOf = (toolCallId: string, input: unknown): AgUiEvent => {
  const agent: unknown =
    typeof input === 'object' && input !== null ? Reflect.get(input, 'agent') : undefined;
  return {
    type: 'SUBAGENT_STARTED',
    subagentRunId: `sub_${toolCallId}`,
    name: typeof agent === 'string' && agent.trim() !== '' ? agent.trim() : 'sub-agent',
    parentToolCallId: toolCallId,
  };
};

/** How a sub-agent call ended: `SUBAGENT_FINISHED` with its result, or `SUBAGENT_ERROR`. */
const subAgentEndOf = (event: ToolCallCompleteEvent): AgUiEvent => {
  const subagentRunId = `sub_${event.tool_call_id}`;
  return event.error === null
    ? { type: 'SUBAGENT_FINISHED', subagentRunId, outcome: { type: 'success' }, result: event.result }
    : { type: 'SUBAGENT_ERROR', subagentRunId, message: event.error.message, code: event.error.code };
};

/** A run's token usage as AG-UI reports it on `RUN_FINISHED`. */
const tokenUsageOf = (usage: UsageTotals, model: string | undefined): AgUiTokenUsage => ({
  ...(model === undefined ? {} : { model }),
  inputTokens: usage.inputTokens,
  outputTokens: usage.outputTokens,
  totalTokens: usage.inputTokens + usage.outputTokens,
  cachedInputTokens: usage.cacheReadInputTokens,
  cacheWriteInputTokens: usage.cacheCreationInputTokens,
});

/**
 * Creates the stateful encoder from our run events to AG-UI 1.0 for one HTTP response.
 * Invariants the client enforces: `RUN_STARTED` first; text and reasoning messages closed
 * before anything else and before the end; a tool call is `START`, `ARGS`, `END` before its
 * result; `RUN_FINISHED` or `RUN_ERROR` last.
 */
export function createAgUiEncoder(options: AgUiEncoderOptions): AgUiEncoder {
  const { threadId, runId } = options;
  const createId = options.createId ?? randomUUID;
  const hasPendingAnswer = options.hasPendingAnswer ?? (() => true);
  const known = new Set(options.continuation?.knownToolCallIds ?? []);
  const answeredByClient = new Set(options.continuation?.answeredByClient ?? []);
  const clientCalls = new Set<string>();
  const { signatures } = options;
  // The client reads a call's input back from the arguments sent: `{}` for none.
  const asSent = (call: AnnouncedToolCall): AnnouncedToolCall => ({ ...call, input: call.input ?? {} });
  const calls = new Map<string, AnnouncedToolCall>();
  for (const call of options.continuation?.calls ?? []) calls.set(call.toolCallId, asSent(call));
  const subAgentCalls = new Set<string>();
  let openText: string | undefined;
  let openReasoning: string | undefined;
  let ended = false;
  let out: AgUiEvent[] = [];
  const emit = (event: AgUiEvent): void => {
    out.push(event);
  };

  const closeBlocks = (): void => {
    if (openText !== undefined) emit({ type: 'TEXT_MESSAGE_END', messageId: openText });
    if (openReasoning !== undefined) {
      emit({ type: 'REASONING_MESSAGE_END', messageId: openReasoning });
      emit({ type: 'REASONING_END', messageId: openReasoning });
    }
    openText = undefined;
    openReasoning = undefined;
  };
  const finish = (
    outcome: AgUiOutcome,
    extra: { usage?: AgUiTokenUsage[]; metadata?: Record<string, unknown> } = {},
  ) => {
    closeBlocks();
    emit({ type: 'RUN_FINISHED', threadId, runId, outcome, ...extra });
    ended = true;
  };
  const announce = (announced: AnnouncedToolCall): void => {
    const call = asSent(announced);
    const { toolCallId, toolName, input } = call;
    if (known.has(toolCallId)) return;
    known.add(toolCallId);
    if (!calls.has(toolCallId)) calls.set(toolCallId, call);
    closeBlocks();
    emit({
      type: 'TOOL_CALL_START',
      toolCallId,
      toolCallName: toolName,
      ...(signatures === undefined ? {} : { metadata: { gatewaySignature: signatures.signCall(call) } }),
    });
    emit({ type: 'TOOL_CALL_ARGS', toolCallId, delta: JSON.stringify(input) });
    emit({ type: 'TOOL_CALL_END', toolCallId });
    if (toolName === SUB_AGENT_TOOL) {
      subAgentCalls.add(toolCallId);
      emit(subAgentStartedOf(toolCallId, input));
    }
  };
  const custom = (name: string, value: unknown): void => {
    closeBlocks();
    emit({ type: 'CUSTOM', name, value });
  };

  const handle = (event: GatewayEvent): void => {
    switch (event.type) {
      case 'text_delta':
        if (openReasoning !== undefined) closeBlocks();
        if (openText === undefined) {
          openText = createId();
          emit({ type: 'TEXT_MESSAGE_START', messageId: openText, role: 'assistant' });
        }
        emit({ type: 'TEXT_MESSAGE_CONTENT', messageId: openText, delta: event.text });
        return;
      case 'thinking_delta':
        if (openText !== undefined) closeBlocks();
        if (openReasoning === undefined) {
          openReasoning = createId();
          emit({ type: 'REASONING_START', messageId: openReasoning });
          emit({ type: 'REASONING_MESSAGE_START', messageId: openReasoning, role: 'reasoning' });
        }
        emit({ type: 'REASONING_MESSAGE_CONTENT', messageId: openReasoning, delta: event.text });
        return;
      case 'tool_call_start':
        if (event.execution_location === 'client') clientCalls.add(event.tool_call_id);
        announce(announcedCallOf(event));
        if (event.execution_location === 'client' && hasPendingAnswer(event.tool_call_id)) {
          finish({ type: 'success', pendingToolCallIds: [event.tool_call_id] });
        }
        return;
      case 'tool_approval_request':
        announce(announcedCallOf(event));
        if (hasPendingAnswer(event.tool_call_id))
          finish({ type: 'interrupt', interrupts: [interruptOf(event)] });
        return;
      case 'tool_output_chunk':
        custom('tool_output_chunk', { toolCallId: event.tool_call_id, text: event.text });
        return;
      case 'tool_call_complete': {
        const toolCallId = event.tool_call_id;
        if (!known.has(toolCallId) || answeredByClient.has(toolCallId) || clientCalls.has(toolCallId)) return;
        closeBlocks();
        const content = JSON.stringify(
          event.error === null ? (event.result ?? null) : { error: event.error },
        );
        const call = calls.get(toolCallId);
        const signature =
          signatures === undefined || call?.runner !== 'server'
            ? undefined
            : signatures.signResult(call, { content });
        emit({
          type: 'TOOL_CALL_RESULT',
          messageId: createId(),
          toolCallId,
          content,
          role: 'tool',
          ...(signature === undefined ? {} : { metadata: { gatewaySignature: signature } }),
        });
        if (subAgentCalls.has(toolCallId)) emit(subAgentEndOf(event));
        return;
      }
      case 'stream_retry':
      case 'model_fallback':
      case 'interceptor_decision':
      case 'compaction':
      case 'max_turns_reached':
      case 'budget_exceeded':
      case 'steering_message': {
        const { name, value } = toRunNotice(event);
        custom(name, value);
        return;
      }
      case 'stream_complete': {
        const usage = toUsageTotals(event.usage);
        if (usage === undefined) return finish({ type: 'success' });
        return finish(
          { type: 'success' },
          {
            usage: [tokenUsageOf(usage, options.model)],
            metadata: { estimatedCostUsd: usage.estimatedCost },
          },
        );
      }
      case 'error':
        // A cancellation is the one terminal error without a code (src/core/events.ts).
        if (event.code === undefined) return finish({ type: 'cancelled' });
        closeBlocks();
        emit({ type: 'RUN_ERROR', message: event.error, code: event.code });
        ended = true;
        return;
      case 'stream_error':
        closeBlocks();
        emit({ type: 'RUN_ERROR', message: event.error, code: 'stream_error' });
        ended = true;
        return;
      case 'heartbeat':
        return;
      default: {
        const unhandled: never = event;
        return unhandled;
      }
    }
  };

  return {
    start: () =>
      options.snapshot === undefined
        ? [{ type: 'RUN_STARTED', threadId, runId }]
        : [
            { type: 'RUN_STARTED', threadId, runId },
            { type: 'MESSAGES_SNAPSHOT', messages: options.snapshot },
          ],
    encode(event) {
      if (ended) return [];
      out = [];
      handle(event);
      return out;
    },
    get ended() {
      return ended;
    },
    // Text and reasoning are never open together; a message is closed before anything else.
    get openTextId() {
      return ended ? undefined : openText;
    },
  };
}
