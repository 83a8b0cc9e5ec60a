import {
  context as otelContext,
  trace,
  SpanKind,
  SpanStatusCode,
  type Attributes,
  type Context,
  type Span,
  type Tracer,
} from '@opentelemetry/api';
import type { GatewayEvent } from '../../core/events.js';
import type { Message, ToolUseBlock } from '../../core/messages.js';
import type { ProviderRequest, TurnUsage } from '../../core/provider.js';
import type { ToolOutcome } from '../../core/tool.js';
import type { TurnResult } from '../run-turn.js';
import { clipLogText } from '../clip-log-text.js';
import { isGatewayFailureCode } from '../gateway-failure-codes.js';
import { ENDUSER, GATEWAY, GEN_AI, OPERATION } from './gen-ai-attributes.js';
import { incomingTraceLinkOf } from './incoming-trace-link.js';

/** The instrumentation scope of every span the gateway creates. */
export const TRACER_NAME = 'ai-agent-gateway';

/** How a run is traced (`AgentRunnerOptions.tracing`). */
export interface RunTracingOptions {
  /**
   * Record message content, system instructions and tool arguments and results on the spans
   * (the GenAI opt-in content attributes). Off by default: they may hold personal data.
   */
  captureContent?: boolean | undefined;
}

/** What the run span says about the run that it cannot know at its start. */
export interface RunEnd {
  outcome: string;
  turns: number;
  costUsd: number;
  usage: TurnUsage;
  errorCode?: string | undefined;
  error?: string | undefined;
  output?: readonly Message[] | undefined;
}

/** One tool call's span: what the dispatcher learns while it runs. */
export interface ToolSpan {
  /** The context to run the call in, so a sub-agent's run becomes a child of this span. */
  readonly context: Context;
  /** Counts time spent waiting for a person (an approval or a client-side tool's answer). */
  waitedForHuman(milliseconds: number): void;
  end(outcome: ToolOutcome, durationMs: number): void;
}

const totalInput = (usage: TurnUsage): number =>
  usage.inputTokens + usage.cacheReadTokens + usage.cacheCreationTokens;

const usageAttributes = (usage: TurnUsage): Attributes => ({
  // The conventions count cached tokens as input too.
  [GEN_AI.inputTokens]: totalInput(usage),
  [GEN_AI.outputTokens]: usage.outputTokens,
  [GEN_AI.cacheReadInputTokens]: usage.cacheReadTokens,
  [GEN_AI.cacheCreationInputTokens]: usage.cacheCreationTokens,
});

const json = (value: unknown): string => {
  try {
    return JSON.stringify(value) ?? 'null';
  } catch {
    return '"[unserialisable]"';
  }
};

const fail = (span: Span, errorType: string, message?: string): void => {
  span.setAttribute(GEN_AI.errorType, errorType);
  span.setStatus({
    code: SpanStatusCode.ERROR,
    ...(message === undefined ? {} : { message: clipLogText(message) }),
  });
};

/**
 * A failed tool call's `error.type`: the gateway's own code, or `_OTHER` (the conventions'
 * fallback) for a code a client or a tool handler chose, which may be anything and any length.
 */
const toolErrorType = (code: string): string => (isGatewayFailureCode(code) ? code : '_OTHER');

/** Options of `startRunTrace`. */
export interface StartRunTraceOptions extends RunTracingOptions {
  tracer?: Tracer;
  agentName: string;
  providerName: string;
  model: string;
  sessionId: string;
  runId?: string | undefined;
  /** `enduser.id` of the run span: who the run is for (an opaque id). */
  endUserId?: string | undefined;
  /** The parent of the run span (an incoming `traceparent`); default: the active context. */
  parent?: Context | undefined;
  systemPrompt?: unknown;
  input?: readonly Message[];
}

/**
 * The spans of one run, after the OpenTelemetry GenAI conventions: `invoke_agent {agent}` for
 * the run, `chat {model}` per model call and `execute_tool {tool}` per tool call, as children.
 * Through `@opentelemetry/api` only: without a registered SDK every span is a no-op, and
 * attributes are only computed for recording spans.
 */
export function startRunTrace(options: StartRunTraceOptions) {
  const tracer = options.tracer ?? trace.getTracer(TRACER_NAME);
  const capture = options.captureContent === true;
  const parent = options.parent ?? otelContext.active();
  const caller = incomingTraceLinkOf(parent);
  const runSpan = tracer.startSpan(
    `${OPERATION.invokeAgent} ${options.agentName}`,
    {
      kind: SpanKind.INTERNAL,
      // An untrusted caller's span: linked, not the parent (see the trace context middleware).
      ...(caller === undefined ? {} : { links: [{ context: caller }] }),
      attributes: {
        [GEN_AI.operationName]: OPERATION.invokeAgent,
        [GEN_AI.providerName]: options.providerName,
        [GEN_AI.agentName]: options.agentName,
        [GEN_AI.requestModel]: options.model,
        [GEN_AI.conversationId]: options.sessionId,
        [GATEWAY.sessionId]: options.sessionId,
        ...(options.runId === undefined ? {} : { [GATEWAY.runId]: options.runId }),
        ...(options.endUserId === undefined ? {} : { [ENDUSER.id]: options.endUserId }),
      },
    },
    parent,
  );
  const runContext = trace.setSpan(parent, runSpan);
  if (capture && runSpan.isRecording()) {
    if (options.systemPrompt !== undefined)
      runSpan.setAttribute(GEN_AI.systemInstructions, json(options.systemPrompt));
    if (options.input !== undefined) runSpan.setAttribute(GEN_AI.inputMessages, json(options.input));
  }
  let ended = false;

  return {
    /** The context tool calls and sub-agents run in (a child of the run span). */
    context: runContext,

    /**
     * Wraps one model call (with its retries) in a `chat {model}` span. `emit` is the run's;
     * the returned one also notes the time to the first streamed chunk. `providerName` is the
     * provider of this call (a fallback model's may differ from the run's).
     */
    async turn<Result extends TurnResult>(
      request: ProviderRequest,
      call: (hooks: {
        emit: (event: GatewayEvent) => void;
        onRetry: (retry: { attempt: number; code: string }) => void;
      }) => Promise<Result>,
      emit: (event: GatewayEvent) => void,
      providerName: string = options.providerName,
    ): Promise<Result> {
      const span = tracer.startSpan(
        `${OPERATION.chat} ${request.model}`,
        {
          kind: SpanKind.CLIENT,
          attributes: {
            [GEN_AI.operationName]: OPERATION.chat,
            [GEN_AI.providerName]: providerName,
            [GEN_AI.requestModel]: request.model,
            [GEN_AI.requestMaxTokens]: request.maxTokens,
            [GEN_AI.requestStream]: true,
          },
        },
        runContext,
      );
      const recording = span.isRecording();
      const started = performance.now();
      let firstChunk = false;
      let retries = 0;
      const traced = recording
        ? (event: GatewayEvent): void => {
            if (!firstChunk && (event.type === 'text_delta' || event.type === 'thinking_delta')) {
              firstChunk = true;
              span.setAttribute(GEN_AI.timeToFirstChunk, (performance.now() - started) / 1000);
            }
            emit(event);
          }
        : emit;
      if (capture && recording) span.setAttribute(GEN_AI.inputMessages, json(request.messages));
      try {
        // In the span's context: a provider SDK's own spans (the Anthropic SDK emits one per
        // request) become its children.
        const hooks = {
          emit: traced,
          onRetry: ({ attempt, code }: { attempt: number; code: string }) => {
            retries += 1;
            // A retry restarts the stream: the first chunk is timed again.
            firstChunk = false;
            span.addEvent(GATEWAY.retryEvent, { attempt, [GEN_AI.errorType]: code });
          },
        };
        const result = await otelContext.with(trace.setSpan(runContext, span), () => call(hooks));
        span.setAttribute(GATEWAY.retries, retries);
        if (result.status === 'completed') {
          if (recording) {
            span.setAttributes({
              [GEN_AI.responseModel]: request.model,
              [GEN_AI.responseFinishReasons]: [result.stopReason],
              ...usageAttributes(result.usage),
            });
            if (capture) {
              span.setAttribute(GEN_AI.outputMessages, json([{ role: 'assistant', content: result.blocks }]));
            }
          }
        } else if (result.status === 'failed') fail(span, result.code, result.error);
        else fail(span, 'cancelled');
        return result;
      } catch (error) {
        fail(span, error instanceof Error ? error.name : '_OTHER', String(error));
        throw error;
      } finally {
        span.end();
      }
    },

    /** Starts an `execute_tool {tool}` span for one call (MCP tools are typed at its end). */
    tool(call: ToolUseBlock, location: string): ToolSpan {
      const span = tracer.startSpan(
        `${OPERATION.executeTool} ${call.name}`,
        {
          kind: SpanKind.INTERNAL,
          attributes: {
            [GEN_AI.operationName]: OPERATION.executeTool,
            [GEN_AI.toolName]: call.name,
            [GEN_AI.toolCallId]: call.id,
            [GATEWAY.toolLocation]: location,
          },
        },
        runContext,
      );
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
    },

    /** Ends the run span (once; later calls are ignored). */
    end(end: RunEnd): void {
      if (ended) return;
      ended = true;
      if (runSpan.isRecording()) {
        runSpan.setAttributes({
          [GATEWAY.outcome]: end.outcome,
          [GATEWAY.turns]: end.turns,
          [GATEWAY.costUsd]: end.costUsd,
          ...usageAttributes(end.usage),
        });
        if (capture && end.output !== undefined)
          runSpan.setAttribute(GEN_AI.outputMessages, json(end.output));
      }
      if (end.outcome === 'error') fail(runSpan, end.errorCode ?? '_OTHER', end.error);
      else if (end.outcome === 'aborted') fail(runSpan, 'cancelled');
      runSpan.end();
    },
  };
}

/** The spans of one run (see `startRunTrace`). */
export type RunTrace = ReturnType<typeof startRunTrace>;
