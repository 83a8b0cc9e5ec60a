/**
 * The do-it-yourself row of issue 67: an AI SDK `streamText` route in Hono, as its guides write
 * it (`POST /api/chat` with `{ messages }`, answered with `toUIMessageStreamResponse()`), on
 * `@hono/node-server`, its Anthropic provider pointed at the bench's mock model.
 *
 *   BENCH_UPSTREAM_URL=http://127.0.0.1:<mock port> node diy-ai-sdk-server.js
 * Prints `listening on http://127.0.0.1:<port>` once it serves.
 */
import { createAnthropic } from '@ai-sdk/anthropic';
import { serve } from '@hono/node-server';
import { streamText, type ModelMessage } from 'ai';
import { Hono } from 'hono';

const anthropic = createAnthropic({
  baseURL: `${process.env['BENCH_UPSTREAM_URL'] ?? 'http://127.0.0.1:1'}/v1`,
  apiKey: 'bench-key',
});

const app = new Hono();
app.post('/api/chat', async (context) => {
  const { messages } = await context.req.json<{ messages: ModelMessage[] }>();
  const result = streamText({ model: anthropic('claude-sonnet-4-6'), system: 'You answer.', messages });
  return result.toUIMessageStreamResponse();
});

serve({ fetch: app.fetch, hostname: '127.0.0.1', port: 0 }, (info) =>
  console.log(`listening on http://127.0.0.1:${info.port}`),
);
