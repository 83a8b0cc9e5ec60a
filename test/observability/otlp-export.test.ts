import { createServer, type IncomingMessage } from 'node:http';
import { context, propagation, trace } from '@opentelemetry/api';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { BatchSpanProcessor, NodeTracerProvider } from '@opentelemetry/sdk-trace-node';
import { afterAll, expect, it } from 'vitest';
import { z } from 'zod';
import { textTurn, toolCallTurn } from '../../src/testing/scripted-turn.js';
import { tool } from '../../src/tools/define-tool.js';
import { createCleanupStack } from '../helpers/cleanup-stack.js';
import { readAllSseFrames } from '../helpers/sse-reader.js';
import { startMockAgent } from '../helpers/start-mock-agent.js';

/*
 * The setup docs/observability.md gives users (NodeTracerProvider, BatchSpanProcessor, the OTLP
 * HTTP exporter), exporting to a collector on 127.0.0.1 that records what it receives.
 */

interface OtlpSpan {
  name: string;
  spanId: string;
  parentSpanId?: string;
  attributes: Array<{ key: string; value: Record<string, unknown> }>;
}
interface OtlpRequest {
  resourceSpans: Array<{ scopeSpans: Array<{ scope: { name: string }; spans: OtlpSpan[] }> }>;
}

const cleanup = createCleanupStack();
afterAll(async () => {
  await cleanup.run();
  trace.disable();
  context.disable();
  propagation.disable();
});

const bodyOf = async (request: IncomingMessage): Promise<string> => {
  let text = '';
  for await (const chunk of request) text += String(chunk);
  return text;
};

it('exports the GenAI span tree to an OTLP collector with the documented setup', async () => {
  const received: OtlpRequest[] = [];
  const collector = createServer((request, response) => {
    void bodyOf(request).then((body) => {
      if (request.url === '/v1/traces') received.push(JSON.parse(body) as OtlpRequest);
      response.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
  });
  await new Promise<void>((resolve) => collector.listen(0, '127.0.0.1', resolve));
  cleanup.add(collector, (server) => new Promise<void>((resolve) => server.close(() => resolve())));
  const address = collector.address();
  const port = typeof address === 'object' && address !== null ? address.port : 0;

  // The three lines of docs/observability.md, with the collector's address.
  const provider = new NodeTracerProvider({
    spanProcessors: [
      new BatchSpanProcessor(new OTLPTraceExporter({ url: `http://127.0.0.1:${port}/v1/traces` })),
    ],
  });
  provider.register();
  cleanup.add(provider, (registered) => registered.shutdown());

  const { gateway } = await startMockAgent(cleanup, {
    turns: [toolCallTurn('get_weather', { city: 'Nantes' }, { id: 'toolu_w1' }), textTurn('Clear.')],
    agent: {
      tools: [
        tool({
          name: 'get_weather',
          description: 'Weather of a city',
          inputSchema: z.object({ city: z.string() }),
          execute: ({ city }) => ({ city, sky: 'clear' }),
        }),
      ],
    },
  });
  const session = await gateway.openSession();
  await readAllSseFrames(await gateway.chat(session.token, 'Weather in Nantes?'));
  await expect
    .poll(async () => {
      await provider.forceFlush();
      return received.flatMap((request) => request.resourceSpans).length;
    })
    .toBeGreaterThan(0);

  const scopes = received.flatMap((request) =>
    request.resourceSpans.flatMap((resource) => resource.scopeSpans),
  );
  const ours = scopes.filter((scope) => scope.scope.name === 'ai-agent-gateway');
  const spans = ours.flatMap((scope) => scope.spans);
  expect(spans.map((span) => span.name).sort()).toEqual([
    'chat claude-sonnet-4-6',
    'chat claude-sonnet-4-6',
    'execute_tool get_weather',
    'invoke_agent agent',
  ]);
  const run = spans.find((span) => span.name === 'invoke_agent agent');
  for (const child of spans.filter((span) => span !== run)) expect(child.parentSpanId).toBe(run?.spanId);
  // The Anthropic SDK's own request spans hang under the model calls, in the same trace.
  const chatIds = new Set(spans.filter((span) => span.name.startsWith('chat ')).map((span) => span.spanId));
  const sdkSpans = scopes
    .filter((scope) => scope.scope.name === 'com.anthropic.sdk.typescript')
    .flatMap((scope) => scope.spans);
  expect(sdkSpans).toHaveLength(2);
  for (const sdkSpan of sdkSpans) expect(chatIds.has(sdkSpan.parentSpanId ?? '')).toBe(true);
  expect(run?.attributes).toContainEqual({
    key: 'gen_ai.operation.name',
    value: { stringValue: 'invoke_agent' },
  });
});
