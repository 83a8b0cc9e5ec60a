/**
 * What tracing and metrics add to a chat: one `createAgent` agent (an 8-word reply replayed from
 * memory, a tool call first, no SDK, no sockets) driven through `app.fetch` in process, in
 * interleaved rounds of four variants: nothing registered (the OpenTelemetry API is a no-op),
 * an OpenTelemetry SDK registered (NodeTracerProvider, BatchSpanProcessor, an exporter that
 * drops the batches: the cost of recording spans, not of shipping them), the same with
 * `captureContent`, and Prometheus metrics on (no SDK). Prints CPU and wall time per chat
 * (medians over the rounds) as ratios to the first variant measured in the same run, and writes
 * bench/results/observability-cost-per-chat.json.
 *
 *   npx tsx bench/observability-cost-per-chat.ts [chats=1000] [rounds=5]
 */
import { writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { context, propagation, trace } from '@opentelemetry/api';
import { ExportResultCode } from '@opentelemetry/core';
import { BatchSpanProcessor, NodeTracerProvider, type SpanExporter } from '@opentelemetry/sdk-trace-node';
import { z } from 'zod';
import { createAgent } from '../src/server/assembly/create-agent.js';
import type { GatewayApp } from '../src/server/gateway-app.js';
import { textTurn, toolCallTurn } from '../src/testing/scripted-turn.js';
import { tool } from '../src/tools/define-tool.js';
import { currentLoad, describeMachine } from './lib/machine-info.js';
import { createReplayProvider } from './lib/replay-provider.js';
import { median, round } from './lib/stats.js';

const chats = Number(process.argv[2] ?? 1_000);
const rounds = Number(process.argv[3] ?? 5);

let exported = 0;
const droppingExporter: SpanExporter = {
  export(spans, done) {
    exported += spans.length;
    done({ code: ExportResultCode.SUCCESS });
  },
  shutdown: () => Promise.resolve(),
};
const provider = new NodeTracerProvider({ spanProcessors: [new BatchSpanProcessor(droppingExporter)] });
const unregister = (): void => {
  trace.disable();
  context.disable();
  propagation.disable();
};

const weather = tool({
  name: 'get_weather',
  description: 'Weather of a city',
  inputSchema: z.object({ city: z.string() }),
  execute: ({ city }) => ({ city, sky: 'clear' }),
});
const build = (extra: Partial<Parameters<typeof createAgent>[0]>): GatewayApp =>
  createAgent({
    systemPrompt: 'You are the benchmark agent.',
    provider: createReplayProvider(
      toolCallTurn('get_weather', { city: 'Nantes' }),
      textTurn('w0 w1 w2 w3 w4 w5 w6 w7'),
    ),
    model: 'replay-model',
    tools: [weather],
    ...extra,
  });

interface Variant {
  name: string;
  app: GatewayApp;
  traced: boolean;
  token?: string;
}
const variants: Variant[] = [
  { name: 'no SDK registered (baseline)', app: build({}), traced: false },
  { name: 'OpenTelemetry SDK registered', app: build({}), traced: true },
  { name: 'SDK registered, captureContent', app: build({ tracing: { captureContent: true } }), traced: true },
  { name: 'Prometheus metrics on', app: build({ server: { metrics: true } }), traced: false },
];

const post = (variant: Variant, path: string, body: string): Promise<Response> =>
  variant.app.fetch(
    new Request(`http://gateway.local/api${path}`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        ...(variant.token === undefined ? {} : { authorization: `Bearer ${variant.token}` }),
      },
      body,
    }),
  );
const chatBody = JSON.stringify({ messages: [{ role: 'user', content: 'weather?' }] });
const chatOn = async (variant: Variant): Promise<void> => {
  const text = await (await post(variant, '/chat', chatBody)).text();
  if (!text.includes('"stream_complete"'))
    throw new Error(`${variant.name}: chat failed: ${text.slice(0, 300)}`);
};

for (const variant of variants) {
  const response = await post(variant, '/chat/init', '{"api_key":"bench"}');
  variant.token = ((await response.json()) as { session_token: string }).session_token;
  if (variant.traced) provider.register();
  for (let index = 0; index < 200; index += 1) await chatOn(variant);
  if (variant.traced) unregister();
}

const cpu = new Map<string, number[]>(variants.map((variant) => [variant.name, []]));
const wall = new Map<string, number[]>(variants.map((variant) => [variant.name, []]));
for (let roundIndex = 0; roundIndex < rounds; roundIndex += 1) {
  for (const variant of variants) {
    if (variant.traced) provider.register();
    const cpuBefore = process.cpuUsage();
    const started = performance.now();
    for (let index = 0; index < chats; index += 1) await chatOn(variant);
    if (variant.traced) await provider.forceFlush();
    const used = process.cpuUsage(cpuBefore);
    cpu.get(variant.name)?.push((used.user + used.system) / 1000 / chats);
    wall.get(variant.name)?.push((performance.now() - started) / chats);
    if (variant.traced) unregister();
  }
}
await Promise.all(variants.map((variant) => variant.app.close()));
await provider.shutdown();
if (exported === 0) throw new Error('no span was exported: the traced variants did not trace');

const baseName = variants[0]?.name ?? '';
const baseCpu = median(cpu.get(baseName) ?? []);
const baseWall = median(wall.get(baseName) ?? []);
const results = variants.map((variant) => {
  const cpuMs = median(cpu.get(variant.name) ?? []);
  const wallMs = median(wall.get(variant.name) ?? []);
  return {
    variant: variant.name,
    cpuMsPerChat: round(cpuMs),
    wallMsPerChat: round(wallMs),
    cpuRatioToBaseline: round(cpuMs / baseCpu),
    addedCpuMs: round(cpuMs - baseCpu),
    wallRatioToBaseline: round(wallMs / baseWall),
  };
});
const machine = describeMachine();
console.log(
  `${machine.cpu}, ${machine.cores} cores, Node ${machine.node}, commit ${machine.commit}, load ${currentLoad()}, ${exported} spans exported`,
);
console.log('| variant | CPU per chat | wall per chat | CPU vs baseline | added CPU |');
console.log('| --- | --- | --- | --- | --- |');
for (const result of results) {
  console.log(
    `| ${result.variant} | ${result.cpuMsPerChat} ms | ${result.wallMsPerChat} ms | ×${result.cpuRatioToBaseline} | ${result.addedCpuMs} ms |`,
  );
}
const resultsPath = join(
  dirname(fileURLToPath(import.meta.url)),
  'results',
  'observability-cost-per-chat.json',
);
writeFileSync(
  resultsPath,
  `${JSON.stringify({ machine, load: currentLoad(), chats, rounds, command: `npx tsx bench/observability-cost-per-chat.ts ${chats} ${rounds}`, results }, null, 2)}\n`,
);
console.log(`wrote ${resultsPath}`);
