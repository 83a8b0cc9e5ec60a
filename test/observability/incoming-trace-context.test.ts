import { context, propagation, trace } from '@opentelemetry/api';
import { InMemorySpanExporter, SimpleSpanProcessor, type ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { NodeTracerProvider } from '@opentelemetry/sdk-trace-node';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createAgent } from '../../src/server/assembly/create-agent.js';
import type { CreateAgentOptions } from '../../src/server/contracts/create-agent-options.js';
import { createMockUpstream } from '../../src/testing/mock-upstream/mock-upstream.js';
import { textTurn } from '../../src/testing/scripted-turn.js';
import { createCleanupStack } from '../helpers/cleanup-stack.js';
import { createHttpGatewayClient } from '../helpers/gateway-client.js';
import { readAllSseFrames } from '../helpers/sse-reader.js';
import { waitFor } from '../helpers/wait-for.js';

/*
 * Whether a caller's `traceparent` decides the run's trace, read from the OpenTelemetry SDK's
 * in-memory exporter with the SDK registered as docs/observability.md tells users to (context
 * manager and W3C propagator included; the default sampler follows a parent's sampled flag).
 */

const exporter = new InMemorySpanExporter();
const provider = new NodeTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
const cleanup = createCleanupStack();

beforeAll(() => provider.register());
afterAll(async () => {
  await provider.shutdown();
  trace.disable();
  context.disable();
  propagation.disable();
});
afterEach(async () => {
  await cleanup.run();
  exporter.reset();
});

const callerTraceId = '4bf92f3577b34da6a3ce929d0e0e4736';
const callerSpanId = '00f067aa0ba902b7';

/**
 * Serves an agent on `host` and chats once with `traceparent`; returns its run span (waited for
 * when `expectRecorded`), or undefined when none was recorded.
 */
async function chatWithTraceparent(
  host: string,
  traceparent: string,
  tracing: CreateAgentOptions['tracing'] = {},
  expectRecorded = true,
): Promise<ReadableSpan | undefined> {
  const upstream = cleanup.add(await createMockUpstream({ anthropic: [textTurn('Hi.')] }), (server) =>
    server.close(),
  );
  const app = createAgent({
    systemPrompt: 'You are a test agent.',
    provider: 'anthropic',
    apiKey: 'test-key',
    providerConfig: { baseURL: upstream.url },
    tracing,
    // Any key opens a session, also on 0.0.0.0: these tests are about trace context.
    server: { allowAnyApiKey: true },
  });
  const server = await app.listen({ host, port: 0 });
  cleanup.add(app, async (opened) => {
    await opened.close();
    await server.close();
  });
  const gateway = createHttpGatewayClient(`http://127.0.0.1:${server.port}${app.prefix}`);
  const session = await gateway.openSession();
  const frames = await readAllSseFrames(
    await gateway.chat(session.token, 'Hello', { headers: { traceparent } }),
  );
  expect(frames.length).toBeGreaterThan(0);
  // The run span ends just after the terminal event. One that was not sampled is never
  // exported: after a pause (longer than it takes a recorded one to arrive), none is there.
  const runSpan = (): ReadableSpan | undefined =>
    exporter.getFinishedSpans().find((span) => span.name.startsWith('invoke_agent'));
  if (expectRecorded) return waitFor(runSpan);
  await new Promise((resolve) => setTimeout(resolve, 200));
  return runSpan();
}

describe('an incoming traceparent', () => {
  it('starts a new trace linked to the caller when tracing.trustIncomingContext is false', async () => {
    const run = await chatWithTraceparent('127.0.0.1', `00-${callerTraceId}-${callerSpanId}-01`, {
      trustIncomingContext: false,
    });
    expect(run).toBeDefined();
    expect(run?.spanContext().traceId).not.toBe(callerTraceId);
    expect(run?.parentSpanContext).toBeUndefined();
    expect(run?.links.map((link) => [link.context.traceId, link.context.spanId])).toEqual([
      [callerTraceId, callerSpanId],
    ]);
  });

  it('does not let the caller switch recording off with its sampled flag unless trusted', async () => {
    const unsampled = `00-${callerTraceId}-${callerSpanId}-00`;
    const untrusted = await chatWithTraceparent('127.0.0.1', unsampled, { trustIncomingContext: false });
    expect(untrusted).toBeDefined();
    exporter.reset();
    const trusted = await chatWithTraceparent('127.0.0.1', unsampled, { trustIncomingContext: true }, false);
    expect(trusted).toBeUndefined();
  });

  it('is not trusted by default on a non-loopback address, and is on loopback', async () => {
    const sampled = `00-${callerTraceId}-${callerSpanId}-01`;
    const everywhere = await chatWithTraceparent('0.0.0.0', sampled);
    expect(everywhere?.spanContext().traceId).not.toBe(callerTraceId);
    expect(everywhere?.links[0]?.context.traceId).toBe(callerTraceId);
    exporter.reset();
    const loopback = await chatWithTraceparent('127.0.0.1', sampled);
    expect(loopback?.spanContext().traceId).toBe(callerTraceId);
    expect(loopback?.parentSpanContext?.spanId).toBe(callerSpanId);
  });
});
