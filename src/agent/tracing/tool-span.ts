import { trace, SpanKind, type Context } from '@opentelemetry/api';
import type { ToolUseBlock } from '../../core/messages.js';
import type { ToolOutcome } from '../../core/tool.js';
import { GATEWAY, GEN_AI, OPERATION } from './gen-ai-attributes.js';
import { fail, json, startOperationSpan, toolErrorType, type RunSpanScope } from './span-attributes.js';

/** One tool call's span: what the dispatcher learns while it runs. */
export interface ToolSpan {
  /** The context to run the call in, so a sub-agent's run becomes a child of this span. */
  readonly context: Context;
  /** Counts time spent waiting for a person (an approval or a client-side tool's answer). */
  waitedForHuman(milliseconds: number): void;
  end(outcome: ToolOutcome, durationMs: number): void;
}

/**
 * Starts an `execute_tool {tool}` span for one call, a child of the run span (MCP tools are
 * typed at its end).
 */
export function startToolSpan(scope: RunSpanScope, call: ToolUseBlock, location: string): ToolSpan {
  const { runContext, capture } = scope;
  const span = startOperationSpan(scope, OPERATION.executeTool, call.name, SpanKind.INTERNAL, {
    [GEN_AI.toolName]: call.name,
    [GEN_AI.toolCallId]: call.id,
    [GATEWAY.toolLocation]: location,
  });
  if (capture && span.isRecording()) span.setAttribute(GEN_AI.toolCallArguments, json(call.input));
  let waited = 0;
  return {
    context: trace.setSpan(runContext, span),
    waitedForHuman: (milliseconds) => void (waited += milliseconds),
    end(outcome, durationMs) {
      if (span.isRecording()) {
        span.setAttributes({
          // An MCP server's tool is an extension of the agent; the rest are its functions.
          [GEN_AI.toolType]: outcome.server === null ? 'function' : 'extension',
          [GATEWAY.toolDurationMs]: durationMs,
          [GATEWAY.humanWaitMs]: waited,
        });
        if (outcome.server !== null) span.setAttribute(GATEWAY.toolServer, outcome.server);
        if (outcome.ok && capture) span.setAttribute(GEN_AI.toolCallResult, json(outcome.result));
      }
      if (!outcome.ok) fail(span, toolErrorType(outcome.error.code), outcome.error.message);
      span.end();
    },
  };
}
