import type { EventHandlers } from '../event-handlers.js';
import { toRunNotice, toUsageTotals, type RunNoticeEvent } from '../run-notices.js';
import { announcedCallOf } from '../tool-history-signatures.js';
import type { UiMessageEncoding } from './ui-message-encoding.js';

/** A notice about the run (fallback, compaction...) as a transient data part. */
const notice = (encoding: UiMessageEncoding, event: RunNoticeEvent): void => {
  encoding.transient(toRunNotice(event));
};

/** A limit stopped the run: a transient data part, and the response finishes with `other`. */
const limitReached = (encoding: UiMessageEncoding, event: RunNoticeEvent): void => {
  encoding.stoppedByLimit = true;
  encoding.transient(toRunNotice(event));
};

/** What each kind of native event becomes in a UI message stream. */
export const uiMessageEventHandlers: EventHandlers<UiMessageEncoding> = {
  text_delta(encoding, event) {
    if (event.text === '') return;
    encoding.openModelStep();
    encoding.blocks.text(event.text);
  },
  thinking_delta(encoding, event) {
    if (event.text === '') return;
    encoding.openModelStep();
    encoding.blocks.reasoning(event.text);
  },
  tool_call_start(encoding, event) {
    encoding.announce(
      announcedCallOf(event),
      event,
      encoding.isDynamicTool(event.tool_name, event) ? { dynamic: true } : {},
    );
    if (event.execution_location === 'client' && encoding.hasPendingAnswer(event.tool_call_id)) {
      encoding.finish('tool-calls');
    }
  },
  tool_approval_request(encoding, event) {
    // Normally announced by its tool_call_start already; the request carries all it needs.
    encoding.announce(announcedCallOf(event), {}, {});
    encoding.emit({ type: 'tool-approval-request', approvalId: event.nonce, toolCallId: event.tool_call_id });
    if (encoding.hasPendingAnswer(event.tool_call_id)) encoding.finish('tool-calls');
  },
  tool_output_chunk(encoding, event) {
    const call = encoding.toolCalls.get(event.tool_call_id);
    if (call === undefined) return;
    call.streamedOutput += event.text;
    encoding.openStep();
    encoding.closeBlocks();
    encoding.emit({
      type: 'tool-output-available',
      toolCallId: event.tool_call_id,
      output: call.streamedOutput,
      preliminary: true,
    });
  },
  tool_call_complete(encoding, event) {
    if (!encoding.toolCalls.has(event.tool_call_id)) return;
    if (!encoding.stepOpen && encoding.earlierCalls.has(event.tool_call_id)) {
      encoding.emit(encoding.toolChunks.outcome(event));
      return;
    }
    encoding.openStep();
    encoding.closeBlocks();
    encoding.stepHasToolResults = true;
    encoding.emit(encoding.toolChunks.outcome(event));
  },
  stream_retry(encoding, event) {
    // v6 cannot drop the failed attempt's parts (v7 `reset-step` can): close them and say so.
    encoding.closeBlocks();
    encoding.transient(toRunNotice(event));
  },
  model_fallback: notice,
  interceptor_decision: notice,
  compaction: notice,
  steering_message: notice,
  max_turns_reached: limitReached,
  budget_exceeded: limitReached,
  stream_complete(encoding, event) {
    const usage = toUsageTotals(event.usage);
    encoding.finish(encoding.stoppedByLimit ? 'other' : 'stop', usage === undefined ? undefined : { usage });
  },
  error(encoding, event) {
    // A cancellation is the one terminal error without a code (src/core/events.ts).
    encoding.fail(
      event.code === undefined
        ? { type: 'abort', reason: event.error }
        : { type: 'error', errorText: event.error },
    );
  },
  stream_error(encoding, event) {
    encoding.fail({ type: 'error', errorText: event.error });
  },
  heartbeat() {},
};
