import {
  context as otelContext,
  isSpanContextValid,
  trace,
  INVALID_SPAN_CONTEXT,
  ProxyTracerProvider,
  ROOT_CONTEXT,
  SpanKind,
  type Context,
  type Tracer,
} from '@opentelemetry/api';
import type { GatewayEvent } from '../../core/events.js';
import type { Message, ToolUseBlock } from '../../core/messages.js';
import type { ProviderRequest, TurnUsage } from '../../core/provider.js';
import type { TurnResult } from '../run-turn.js';
import { ENDUSER, GATEWAY, GEN_AI, OPERATION } from './gen-ai-attributes.js';
import { incomingTraceLinkOf } from './incoming-trace-link.js';
import { callUntraced, traceModelCall, type ModelCallHooks } from './model-call-span.js';
import { fail, json, usageAttributes } from './span-attributes.js';
import { startToolSpan, type ToolSpan } from './tool-span.js';

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

/** The spans of one run (see `startRunTrace`). */
export interface RunTrace {
  /** The context tool calls and sub-agents run in (a child of the run span). */
  readonly context: Context;
  /**
   * Wraps one model call (with its retries) in a `chat {model}` span. `emit` is the run's;
   * the one given to `call` also notes the time to the first streamed chunk. `providerName` is
   * the provider of this call (a fallback model's may differ from the run's).
   */
  turn<Result extends TurnResult>(
    request: ProviderRequest,
    call: (hooks: ModelCallHooks) => Promise<Result>,
    emit: (event: GatewayEvent) => void,
    providerName?: string,
  ): Promise<Result>;
  /** Starts an `execute_tool {tool}` span for one call (MCP tools are typed at its end). */
  tool(call: ToolUseBlock, location: string): ToolSpan;
  /** Ends the run span (once; later calls are ignored). */
  end(end: RunEnd): void;
}

/**
 * The spans of one run, after the OpenTelemetry GenAI conventions: `invoke_agent {agent}` for
 * the run, `chat {model}` per model call and `execute_tool {tool}` per tool call, as children.
 * Through `@opentelemetry/api` only: without a registered SDK every span is a no-op, and
 * attributes are only computed for recording spans.
 */
export function startRunTrace(options: StartRunTraceOptions): RunTrace {
  const parent = options.parent ?? otelContext.active();
  if (options.tracer === undefined && nothingTraces(parent)) return untracedRunTrace(options, parent);
  return startTracedRun(options, parent);
}

/**
 * The trace of a run started in `parent` (default: the active context) with the global tracer,
 * when nothing traces it (see `untracedRunTrace`); else undefined, and the caller starts it
 * with `startRunTrace` and the options only a traced run reads.
 */
export function untracedRunTraceOf(
  tracing: RunTracingOptions,
  parent: Context | undefined,
): RunTrace | undefined {
  const context = parent ?? otelContext.active();
  return nothingTraces(context) ? untracedRunTrace(tracing, context) : undefined;
}

/** The run span and the spans of its calls, in `parent`. */
function startTracedRun(options: StartRunTraceOptions, parent: Context): RunTrace {
  const tracer = options.tracer ?? trace.getTracer(TRACER_NAME);
  const capture = options.captureContent === true;
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
  const scope = { tracer, runContext, capture };
  // No tracer at all (the API's no-op one, no parent trace): its spans would record nothing and
  // carry no trace, so a model call skips its span and runs in the run's context as it is.
  const untraced = !runSpan.isRecording() && !isSpanContextValid(runSpan.spanContext());
  let ended = false;

  return {
    /** The context tool calls and sub-agents run in (a child of the run span). */
    context: runContext,

    /**
     * Wraps one model call (with its retries) in a `chat {model}` span. `emit` is the run's;
     * the returned one also notes the time to the first streamed chunk. `providerName` is the
     * provider of this call (a fallback model's may differ from the run's).
     */
    turn<Result extends TurnResult>(
      request: ProviderRequest,
      call: (hooks: ModelCallHooks) => Promise<Result>,
      emit: (event: GatewayEvent) => void,
      providerName: string = options.providerName,
    ): Promise<Result> {
      if (untraced) return callUntraced(runContext, call, emit);
      return traceModelCall(scope, request, call, emit, providerName);
    },

    /** Starts an `execute_tool {tool}` span for one call (MCP tools are typed at its end). */
    tool(call: ToolUseBlock, location: string): ToolSpan {
      return startToolSpan(scope, call, location);
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

/**
 * Whether a run started now in `parent` would be traced by nothing: no tracer provider is
 * registered (the API's global one has no delegate, so its tracer is the no-op one) and the
 * parent carries no trace. The no-op tracer would then give every span of the run the invalid
 * span context and record nothing.
 */
function nothingTraces(parent: Context): boolean {
  const provider = trace.getTracerProvider();
  if (!(provider instanceof ProxyTracerProvider) || provider.getDelegateTracer(TRACER_NAME) !== undefined) {
    return false;
  }
  const parentSpan = trace.getSpanContext(parent);
  return parentSpan === undefined || !isSpanContextValid(parentSpan);
}

/**
 * The trace of a run nothing traces: what the no-op tracer's would do, without building the
 * attributes of spans that record nothing. Its context holds the same non-recording span the
 * no-op tracer would start; a model call runs in it as it is (`callUntraced`); a tool call
 * still asks the tracer for its span, as a traced run's does. It holds nothing of the run, so
 * the runs started in the root context (no caller trace, no context manager's values) share one.
 */
function untracedRunTrace(options: RunTracingOptions, parent: Context): RunTrace {
  const capture = options.captureContent === true;
  if (parent !== ROOT_CONTEXT) return makeUntracedRunTrace(parent, capture);
  const shared = capture ? sharedUntraced.capturing : sharedUntraced.plain;
  if (shared !== undefined) return shared;
  const made = makeUntracedRunTrace(parent, capture);
  if (capture) sharedUntraced.capturing = made;
  else sharedUntraced.plain = made;
  return made;
}

/** The untraced traces of runs started in the root context, made on first use. */
const sharedUntraced: { plain?: RunTrace; capturing?: RunTrace } = {};

function makeUntracedRunTrace(parent: Context, capture: boolean): RunTrace {
  const runContext = trace.setSpan(parent, trace.wrapSpanContext(INVALID_SPAN_CONTEXT));
  return {
    context: runContext,
    turn: (_request, call, emit) => callUntraced(runContext, call, emit),
    tool: (call, location) =>
      startToolSpan({ tracer: trace.getTracer(TRACER_NAME), runContext, capture }, call, location),
    end: () => {},
  };
}
