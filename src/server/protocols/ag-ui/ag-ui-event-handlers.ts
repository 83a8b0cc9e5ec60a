import type { ToolApprovalRequestEvent } from '../../../core/events.js';
import type { EventHandlers } from '../event-handlers.js';
import { toRunNotice, toUsageTotals, type RunNoticeEvent, type UsageTotals } from '../run-notices.js';
import { announcedCallOf } from '../tool-history-signatures.js';
import type { AgUiInterrupt, AgUiTokenUsage } from './ag-ui-events.js';
import type { AgUiEncoding } from './ag-ui-encoding.js';
import { subAgentEndOf } from './ag-ui-sub-agents.js';

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

/** A run's token usage as AG-UI reports it on `RUN_FINISHED`. */
const tokenUsageOf = (usage: UsageTotals, model: string | undefined): AgUiTokenUsage => ({
  ...(model === undefined ? {} : { model }),
  inputTokens: usage.inputTokens,
  outputTokens: usage.outputTokens,
  totalTokens: usage.inputTokens + usage.outputTokens,
  cachedInputTokens: usage.cacheReadInputTokens,
  cacheWriteInputTokens: usage.cacheCreationInputTokens,
});

/** A notice about the run (retry, fallback, compaction...) as a `CUSTOM` event. */
const notice = (encoding: AgUiEncoding, event: RunNoticeEvent): void => {
  const { name, value } = toRunNotice(event);
  encoding.custom(name, value);
};

/** What each kind of native event becomes in an AG-UI response. */
export const agUiEventHandlers: EventHandlers<AgUiEncoding> = {
  text_delta(encoding, event) {
    if (encoding.openReasoning !== undefined) encoding.closeBlocks();
    if (encoding.openText === undefined) {
      encoding.openText = encoding.takeResumedTextId() ?? encoding.createId();
      encoding.emit({ type: 'TEXT_MESSAGE_START', messageId: encoding.openText, role: 'assistant' });
    }
    encoding.emit({ type: 'TEXT_MESSAGE_CONTENT', messageId: encoding.openText, delta: event.text });
  },
  thinking_delta(encoding, event) {
    if (encoding.openText !== undefined) encoding.closeBlocks();
    // Reasoning would have closed a resumed text message too: the text after it is a new one.
    else encoding.takeResumedTextId();
    if (encoding.openReasoning === undefined) {
      encoding.openReasoning = encoding.createId();
      encoding.emit({ type: 'REASONING_START', messageId: encoding.openReasoning });
      encoding.emit({
        type: 'REASONING_MESSAGE_START',
        messageId: encoding.openReasoning,
        role: 'reasoning',
      });
    }
    encoding.emit({
      type: 'REASONING_MESSAGE_CONTENT',
      messageId: encoding.openReasoning,
      delta: event.text,
    });
  },
  tool_call_start(encoding, event) {
    if (event.execution_location === 'client') encoding.clientCalls.add(event.tool_call_id);
    encoding.announce(announcedCallOf(event));
    if (event.execution_location === 'client' && encoding.hasPendingAnswer(event.tool_call_id)) {
      encoding.finish({ type: 'success', pendingToolCallIds: [event.tool_call_id] });
    }
  },
  tool_approval_request(encoding, event) {
    encoding.announce(announcedCallOf(event));
    if (encoding.hasPendingAnswer(event.tool_call_id)) {
      encoding.finish({ type: 'interrupt', interrupts: [interruptOf(event)] });
    }
  },
  tool_output_chunk(encoding, event) {
    encoding.custom('tool_output_chunk', { toolCallId: event.tool_call_id, text: event.text });
  },
  tool_call_complete(encoding, event) {
    const toolCallId = event.tool_call_id;
    if (
      !encoding.known.has(toolCallId) ||
      encoding.answeredByClient.has(toolCallId) ||
      encoding.clientCalls.has(toolCallId)
    ) {
      return;
    }
    encoding.closeBlocks();
    const content = JSON.stringify(event.error === null ? (event.result ?? null) : { error: event.error });
    const call = encoding.calls.get(toolCallId);
    const { signatures } = encoding;
    const signature =
      signatures === undefined || call?.runner !== 'server'
        ? undefined
        : signatures.signResult(call, { content });
    encoding.emit({
      type: 'TOOL_CALL_RESULT',
      messageId: encoding.createId(),
      toolCallId,
      content,
      role: 'tool',
      ...(signature === undefined ? {} : { metadata: { gatewaySignature: signature } }),
    });
    if (encoding.subAgentCalls.has(toolCallId)) encoding.emit(subAgentEndOf(event));
  },
  stream_retry: notice,
  model_fallback: notice,
  interceptor_decision: notice,
  compaction: notice,
  max_turns_reached: notice,
  budget_exceeded: notice,
  steering_message: notice,
  stream_complete(encoding, event) {
    const usage = toUsageTotals(event.usage);
    if (usage === undefined) {
      encoding.finish({ type: 'success' });
      return;
    }
    encoding.finish(
      { type: 'success' },
      { usage: [tokenUsageOf(usage, encoding.model)], metadata: { estimatedCostUsd: usage.estimatedCost } },
    );
  },
  error(encoding, event) {
    // A cancellation is the one terminal error without a code (src/core/events.ts).
    if (event.code === undefined) encoding.finish({ type: 'cancelled' });
    else encoding.fail(event.error, event.code);
  },
  stream_error(encoding, event) {
    encoding.fail(event.error, 'stream_error');
  },
  heartbeat() {},
};
