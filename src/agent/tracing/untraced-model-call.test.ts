import {
  context,
  createContextKey,
  propagation,
  INVALID_SPAN_CONTEXT,
  ROOT_CONTEXT,
  trace,
  TraceFlags,
} from '@opentelemetry/api';
import { InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { NodeTracerProvider } from '@opentelemetry/sdk-trace-node';
import { afterEach, describe, expect, it } from 'vitest';
import type { GatewayEvent } from '../../core/events.js';
import type { ProviderRequest } from '../../core/provider.js';
import { createScriptedProvider } from '../../testing/scripted-provider.js';
import { httpErrorTurn, textTurn, toolCallTurn } from '../../testing/scripted-turn.js';
import { createFakeToolExecutor, succeed } from '../__fixtures__/fake-tool-executor.js';
import { createRunnerHarness } from '../__fixtures__/runner-harness.js';
import type { TurnResult } from '../run-turn.js';
import { startRunTrace } from './run-tracer.js';

afterEach(() => {
  trace.disable();
  context.disable();
  // `register()` also installs a propagator, which outlives the two above.
  propagation.disable();
});

/** A run with a retried turn, text, a tool call and a final answer; its events and result. */
async function scriptedRun() {
  const provider = createScriptedProvider({
    turns: [
      httpErrorTurn(529),
      toolCallTurn('step', {}, { text: 'Looking it up. ' }),
      textTurn('All done here.'),
    ],
  });
  const harness = createRunnerHarness(provider, {
    tools: createFakeToolExecutor({ step: () => succeed('ok') }),
    retry: { sleep: () => Promise.resolve() },
  });
  const result = await harness.runner.run({ messages: [{ role: 'user', content: 'go' }] });
  return { events: harness.events(), result };
}

const completedUsage = { inputTokens: 0, outputTokens: 0, cacheReadTokens: 0, cacheCreationTokens: 0 };

const completed: TurnResult = {
  status: 'completed',
  blocks: [],
  toolCalls: [],
  stopReason: 'end_turn',
  usage: completedUsage,
};

const request: ProviderRequest = {
  model: 'm',
  system: undefined,
  messages: [],
  tools: [],
  maxTokens: 1,
  thinking: 'none',
};

const runTraceOptions = { agentName: 'agent', providerName: 'scripted', model: 'm', sessionId: 's' };

describe('a model call when nothing traces the run', () => {
  it('streams the same events and result as a traced run', async () => {
    const untraced = await scriptedRun();

    const exporter = new InMemorySpanExporter();
    const provider = new NodeTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
    provider.register();
    const traced = await scriptedRun();

    // The traced run went through its spans: one chat span per model call, the retry in the first.
    const chats = exporter.getFinishedSpans().filter((span) => span.name === 'chat scripted-model');
    expect(chats).toHaveLength(2);
    expect(chats[0]?.events.map((event) => event.name)).toContain('gateway.retry');
    expect(untraced.events.map((event: GatewayEvent) => event.type)).toContain('stream_retry');
    // A tool call's duration is the clock's, not the run's: it may differ by a few ms under load.
    const withoutDurations = (events: readonly GatewayEvent[]): unknown[] =>
      events.map((event) => ('duration_ms' in event ? { ...event, duration_ms: 0 } : event));
    expect(withoutDurations(untraced.events)).toEqual(withoutDurations(traced.events));
    expect(untraced.result).toEqual(traced.result);
    await provider.shutdown();
  });

  it("runs the call in the run's context, with the run's emit and a retry hook that does nothing", async () => {
    // The SDK's context manager without its tracer: the run's context is what the call sees.
    new NodeTracerProvider().register();
    trace.disable();
    const runTrace = startRunTrace(runTraceOptions);
    const emit = (): void => {};
    let seen: { active: unknown; emit: unknown } | undefined;
    const result = await runTrace.turn(
      request,
      (hooks) => {
        seen = { active: context.active(), emit: hooks.emit };
        hooks.onRetry({ attempt: 0, code: 'upstream_unavailable' });
        return Promise.resolve(completed);
      },
      emit,
    );
    expect(result).toBe(completed);
    expect(seen?.active).toBe(runTrace.context);
    expect(seen?.emit).toBe(emit);
  });

  it('still gives a traced call a span of its own in the active context', async () => {
    const provider = new NodeTracerProvider();
    provider.register();
    const runTrace = startRunTrace(runTraceOptions);
    let activeSpan: unknown;
    await runTrace.turn(
      request,
      () => {
        activeSpan = trace.getSpan(context.active());
        return Promise.resolve(completed);
      },
      () => {},
    );
    expect(activeSpan).toBeDefined();
    expect(activeSpan).not.toBe(trace.getSpan(runTrace.context));
    await provider.shutdown();
  });

  it('shares one trace among runs started in the root context, and gives other parents their own', () => {
    const first = startRunTrace(runTraceOptions);
    expect(startRunTrace({ ...runTraceOptions, sessionId: 'other', runId: 'run_2' })).toBe(first);
    expect(trace.getSpan(first.context)?.spanContext()).toEqual(INVALID_SPAN_CONTEXT);
    // Content capture changes what a tool span records: such runs share another trace.
    const capturing = startRunTrace({ ...runTraceOptions, captureContent: true });
    expect(capturing).not.toBe(first);
    expect(startRunTrace({ ...runTraceOptions, captureContent: true })).toBe(capturing);
    // A parent holding values of its own (baggage, a context manager's): a trace of its own, in it.
    const key = createContextKey('test value');
    const parent = ROOT_CONTEXT.setValue(key, 'kept');
    const underParent = startRunTrace({ ...runTraceOptions, parent });
    expect(underParent).not.toBe(first);
    expect(underParent.context.getValue(key)).toBe('kept');
    expect(first.context.getValue(key)).toBeUndefined();
  });

  it("gives a run nothing traces the no-op tracer's context, and keeps a caller's trace", () => {
    const untraced = startRunTrace(runTraceOptions);
    const span = trace.getSpan(untraced.context);
    expect(span?.spanContext()).toEqual(INVALID_SPAN_CONTEXT);
    expect(span?.isRecording()).toBe(false);
    const toolSpan = untraced.tool({ type: 'tool_use', id: 't1', name: 'step', input: {} }, 'backend');
    expect(() => toolSpan.end({ ok: true, result: null, server: null }, 1)).not.toThrow();
    expect(() =>
      untraced.end({ outcome: 'error', turns: 0, costUsd: 0, usage: completedUsage, errorCode: 'x' }),
    ).not.toThrow();

    // A parent with a trace: the run's span carries it, as the no-op tracer's would.
    const caller = {
      traceId: '0af7651916cd43dd8448eb211c80319c',
      spanId: 'b7ad6b7169203331',
      traceFlags: TraceFlags.SAMPLED,
    };
    const traced = startRunTrace({ ...runTraceOptions, parent: trace.setSpanContext(ROOT_CONTEXT, caller) });
    expect(trace.getSpan(traced.context)?.spanContext()).toEqual(caller);
  });
});
