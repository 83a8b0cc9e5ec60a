import { afterEach, describe, expect, it } from 'vitest';
import { createAgentLoop } from '../src/agent/create-agent-loop.js';
import { createAnthropicProvider } from '../src/providers/anthropic/anthropic-provider.js';
import { createGatewayApp } from '../src/server/create-gateway-app.js';
import type { ToolHandler } from '../src/core/tool.js';
import type { ChatRuntime } from '../src/server/contracts/gateway-config.js';
import { createMockUpstream } from '../src/testing/mock-upstream/mock-upstream.js';
import { httpErrorTurn, textTurn, toolCallTurn, type ScriptedTurn } from '../src/testing/scripted-turn.js';
import { createToolDispatcher } from '../src/tools/tool-dispatcher.js';
import { toolsOf } from '../src/tools/__fixtures__/dispatch-fixtures.js';
import { createCleanupStack } from './helpers/cleanup-stack.js';
import { chatWhenFree } from './helpers/chat-when-free.js';
import { jsonOf, startGatewayClient } from './helpers/gateway-client.js';
import { eventsOf, eventsOfType, readAllSseFrames, textOf } from './helpers/sse-reader.js';
import { waitFor } from './helpers/wait-for.js';

const cleanup = createCleanupStack();
afterEach(() => cleanup.run());

/**
 * A gateway whose runner talks to a scripted Anthropic upstream through the official SDK, with
 * retry delays shortened (createAgent keeps the production ones).
 */
async function startUpstreamGateway(turns: ScriptedTurn[], handlers: Record<string, ToolHandler> = {}) {
  const upstream = cleanup.add(await createMockUpstream({ anthropic: turns }), (server) => server.close());
  const provider = createAnthropicProvider({ apiKey: 'test-key', baseURL: upstream.url });
  const reported: string[] = [];
  const loop = createAgentLoop({
    provider,
    model: 'claude-sonnet-4-6',
    retry: { baseDelayMs: 1, maxRetries: 2 },
  });
  const buildChatRuntime = (): ChatRuntime => ({
    systemPrompt: 'Be reliable.',
    model: 'claude-sonnet-4-6',
    createRunner: (context) => ({
      run: (input) =>
        loop.run({
          ...input,
          tools: createToolDispatcher({
            tools: toolsOf(
              handlers,
              Object.keys(handlers).map((name) => ({
                name,
                description: `The ${name} tool`,
                input_schema: { type: 'object', properties: {} },
              })),
            ),
          }),
          eventLog: context.eventLog,
          sessionId: context.session.sessionId,
        }),
    }),
  });
  const app = createGatewayApp({
    buildChatRuntime,
    server: {
      onError: (_error, where) => void reported.push(where),
    },
  });
  const gateway = cleanup.add(await startGatewayClient(app), (client) => client.close());
  return { upstream, gateway, reported };
}

describe('model failures over HTTP', () => {
  it('announces a retried 529 with stream_retry and then completes', async () => {
    const { upstream, gateway } = await startUpstreamGateway([
      httpErrorTurn(529, { message: 'Overloaded', retryAfterSeconds: 0 }),
      textTurn('Recovered.'),
    ]);
    const session = await gateway.openSession();
    const frames = await readAllSseFrames(await gateway.chat(session.token, 'try hard'));

    expect(eventsOfType(frames, 'stream_retry')).toEqual([
      {
        type: 'stream_retry',
        attempt: 0,
        error: 'The model provider is overloaded; try again later.',
        code: 'upstream_overloaded',
      },
    ]);
    expect(textOf(frames)).toBe('Recovered.');
    expect(eventsOf(frames).at(-1)?.type).toBe('stream_complete');
    upstream.assertAllConsumed();
  });

  it('ends the stream with an error event on a non-retryable failure and frees the session', async () => {
    const { upstream, gateway } = await startUpstreamGateway([
      httpErrorTurn(400, { message: 'prompt is too long' }),
      textTurn('Next one works.'),
    ]);
    const session = await gateway.openSession();
    const frames = await readAllSseFrames(await gateway.chat(session.token, 'x'.repeat(50)));
    const events = eventsOf(frames);

    expect(events.at(-1)).toEqual({
      type: 'error',
      error: "The conversation is too long for the model's context window.",
      code: 'context_too_long',
    });
    expect(events.filter((event) => event.type === 'stream_complete')).toEqual([]);

    const next = await gateway.chat(session.token, 'short');
    expect(next.status).toBe(200);
    expect(textOf(await readAllSseFrames(next))).toBe('Next one works.');
    upstream.assertAllConsumed();
  });
});

describe('server-side failures over HTTP', () => {
  it('answers 500 when the runtime cannot be built, and frees the session', async () => {
    let builds = 0;
    const reported: string[] = [];
    const app = createGatewayApp({
      buildChatRuntime: () => {
        builds += 1;
        if (builds === 1) throw new Error('runtime unavailable');
        return { systemPrompt: 's', createRunner: () => ({ run: () => Promise.resolve(undefined) }) };
      },
      server: {
        allowedModels: [],
        onError: (_error, where) => void reported.push(where),
      },
    });
    const gateway = cleanup.add(await startGatewayClient(app), (client) => client.close());
    const session = await gateway.openSession();

    const failed = await gateway.chat(session.token, 'hi');
    expect(failed.status).toBe(500);
    expect(await jsonOf(failed)).toEqual({ detail: 'Internal server error' });
    expect(reported).toEqual(['request']);

    // The runner above ends without a terminal event: the gateway closes the stream itself.
    const next = await gateway.chat(session.token, 'hi again');
    expect(next.status).toBe(200);
    expect(eventsOf(await readAllSseFrames(next))).toEqual([{ type: 'error', error: 'stream closed' }]);
  });

  it('turns a runner that throws into an error event', async () => {
    const reported: string[] = [];
    const app = createGatewayApp({
      buildChatRuntime: () => ({
        systemPrompt: 's',
        createRunner: (context) => ({
          run: () => {
            context.eventLog.append({ type: 'text_delta', text: 'partial ' });
            return Promise.reject(new Error('runner exploded'));
          },
        }),
      }),
      server: {
        allowedModels: [],
        onError: (_error, where) => void reported.push(where),
      },
    });
    const gateway = cleanup.add(await startGatewayClient(app), (client) => client.close());
    const session = await gateway.openSession();
    const events = eventsOf(await readAllSseFrames(await gateway.chat(session.token, 'hi')));

    expect(events).toEqual([
      { type: 'text_delta', text: 'partial ' },
      { type: 'error', error: 'The run failed because of an internal error.', code: 'internal_error' },
    ]);
    expect(reported).toEqual(['chat run']);
    const again = await gateway.chat(session.token, 'again');
    expect(again.status).toBe(200);
    expect(eventsOf(await readAllSseFrames(again)).at(-1)).toEqual({
      type: 'error',
      error: 'The run failed because of an internal error.',
      code: 'internal_error',
    });
  });

  it('cancels the run when an event cannot be serialised, so the session is free again', async () => {
    let toolSignal: AbortSignal | undefined;
    const { upstream, gateway } = await startUpstreamGateway(
      [toolCallTurn('emit_bad', {}, { id: 'toolu_bad' }), textTurn('Fresh start.')],
      {
        emit_bad: (_input, context) => {
          toolSignal = context.signal;
          // JSON cannot encode a BigInt: this event breaks the stream's serialisation.
          const chunk = {
            type: 'tool_output_chunk',
            tool_call_id: context.toolCallId,
            tool_name: 'emit_bad',
            stream: 'stdout',
            text: 'x',
            seq: 1,
            size: 10n,
          } as const;
          context.emit(chunk);
          return new Promise((resolve) =>
            context.signal.addEventListener('abort', () => resolve(null), { once: true }),
          );
        },
      },
    );
    const session = await gateway.openSession();
    const events = eventsOf(await readAllSseFrames(await gateway.chat(session.token, 'go')));

    expect(events.map((event) => event.type)).toEqual(['tool_call_start', 'stream_error']);
    expect(events.at(-1)).toEqual({
      type: 'stream_error',
      error: expect.stringMatching(/^SSE serialization failed: /) as unknown,
    });
    // Nobody reads the run any more: it is cancelled (its tool too) and the session is freed.
    await waitFor(() => (toolSignal?.aborted === true ? true : undefined), {
      description: 'the tool to be cancelled',
    });
    const next = await chatWhenFree(gateway, session.token, 'again');
    expect(textOf(await readAllSseFrames(next))).toBe('Fresh start.');
    upstream.assertAllConsumed();
  });
});
