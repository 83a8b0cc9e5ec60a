/**
 * The Mastra row of issue 67: one Mastra agent served by Mastra's Hono server adapter
 * (`@mastra/hono` `MastraServer`, as Mastra documents it, routes under `/api`), on
 * `@hono/node-server`; the agent's model is the AI SDK Anthropic provider pointed at the bench's
 * mock model. A chat is `POST /api/agents/bench/stream` with `{ messages }` (SSE of chunks).
 * Run with `MASTRA_TELEMETRY_DISABLED=1` (no call home) and `NODE_ENV=production` (Mastra's
 * default logger then logs warnings only, as deployed).
 *
 *   BENCH_UPSTREAM_URL=http://127.0.0.1:<mock port> node mastra-server.js
 * Prints `listening on http://127.0.0.1:<port>` once it serves.
 */
import { createAnthropic } from '@ai-sdk/anthropic';
import { serve } from '@hono/node-server';
import { Agent } from '@mastra/core/agent';
import type { MastraModelConfig } from '@mastra/core/llm';
import { Mastra } from '@mastra/core/mastra';
import { MastraServer, type HonoBindings, type HonoVariables } from '@mastra/hono';
import { Hono } from 'hono';

const anthropic = createAnthropic({
  baseURL: `${process.env['BENCH_UPSTREAM_URL'] ?? 'http://127.0.0.1:1'}/v1`,
  apiKey: 'bench-key',
});

const bench = new Agent({
  id: 'bench',
  name: 'bench',
  instructions: 'You answer.',
  // Mastra 1.71's types take an AI SDK 7 model's `doGenerate` for a stream call's and reject it;
  // at run time Mastra streams through it as it is (the bench checks every chat's deltas).
  model: anthropic('claude-sonnet-4-6') as unknown as MastraModelConfig,
});
const mastra = new Mastra({ agents: { bench } });

const app = new Hono<{ Bindings: HonoBindings; Variables: HonoVariables }>();
const server = new MastraServer({ app, mastra });
await server.init();

serve({ fetch: app.fetch, hostname: '127.0.0.1', port: 0 }, (info) =>
  console.log(`listening on http://127.0.0.1:${info.port}`),
);
