import { toolsFrom } from './helpers/tools-from.js';
import { afterEach, describe, expect, it } from 'vitest';
import type { RunUsage, ToolTiming } from '../src/agent/agent-hooks.js';
import type { GatewayEvent } from '../src/core/events.js';
import type { ToolDefinition } from '../src/core/tool.js';
import { createAgent } from '../src/server/assembly/create-agent.js';
import { createGatewayApp } from '../src/server/create-gateway-app.js';
import type { ChatRequestInfo } from '../src/server/contracts/gateway-config.js';
import type { GatewayAppOptions } from '../src/server/contracts/gateway-app-spec.js';
import { createScriptedProvider } from '../src/testing/scripted-provider.js';
import { textTurn, toolCallTurn } from '../src/testing/scripted-turn.js';
import { createCleanupStack } from './helpers/cleanup-stack.js';
import { jsonOf, startGatewayClient } from './helpers/gateway-client.js';
import { eventsOf, readAllSseFrames } from './helpers/sse-reader.js';
import { scriptedRuntime, type ScriptedRuntimeOptions } from './helpers/scripted-runtime.js';
import { startMockAgent } from './helpers/start-mock-agent.js';

const cleanup = createCleanupStack();
afterEach(() => cleanup.run());

const lookupDefinition: ToolDefinition = {
  name: 'lookup',
  description: 'Looks something up',
  input_schema: { type: 'object', properties: { query: { type: 'string' } } },
};

async function startScriptedGateway(
  provider: ReturnType<typeof createScriptedProvider>,
  options: Pick<GatewayAppOptions, 'hooks' | 'server'> = {},
  runtime: ScriptedRuntimeOptions = {},
) {
  const app = createGatewayApp({
    buildChatRuntime: scriptedRuntime(provider, runtime),
    ...(options.hooks === undefined ? {} : { hooks: options.hooks }),
    server: { allowedModels: [], ...options.server },
  });
  return cleanup.add(await startGatewayClient(app), (client) => client.close());
}

describe('app-level hooks of createGatewayApp', () => {
  it('reports every event, the usage and the tool timings with the session id', async () => {
    const provider = createScriptedProvider({
      turns: [
        toolCallTurn(
          'lookup',
          { query: 'q' },
          { id: 'toolu_lookup', usage: { inputTokens: 10, outputTokens: 5 } },
        ),
        textTurn('Found it.', { usage: { inputTokens: 20, outputTokens: 8 } }),
      ],
    });
    const seen: Array<{ event: GatewayEvent; sessionId: string }> = [];
    const usages: RunUsage[] = [];
    const results: Array<{ id: string; durationMs: number; sessionId: string }> = [];
    const gateway = await startScriptedGateway(
      provider,
      {
        hooks: {
          onEvent: (event, sessionId) => void seen.push({ event, sessionId }),
          onRunUsage: (usage) => void usages.push(usage),
          onToolTiming: ({ toolCallId, durationMs, sessionId }) =>
            void results.push({ id: toolCallId, durationMs, sessionId }),
        },
      },
      { handlers: { lookup: () => ({ answer: 42 }) }, definitions: [lookupDefinition] },
    );
    const session = await gateway.openSession();
    const streamed = eventsOf(await readAllSseFrames(await gateway.chat(session.token, 'look it up')));

    expect(seen.map((entry) => entry.event)).toEqual(streamed);
    expect(new Set(seen.map((entry) => entry.sessionId))).toEqual(new Set([session.sessionId]));
    const complete = streamed.at(-1);
    expect(complete?.type).toBe('stream_complete');
    expect(complete?.type === 'stream_complete' && complete.usage).toMatchObject({
      input_tokens: 30,
      output_tokens: 13,
    });
    expect(usages).toEqual([
      expect.objectContaining({ sessionId: session.sessionId, inputTokens: 30, outputTokens: 13 }),
    ]);
    expect(results).toEqual([
      { id: 'toolu_lookup', durationMs: expect.any(Number) as unknown, sessionId: session.sessionId },
    ]);
    provider.assertAllConsumed();
  });

  it('hands context.channel to buildChatRuntime trimmed and lower-cased', async () => {
    const provider = createScriptedProvider({ turns: [textTurn('a'), textTurn('b')] });
    const builds: ChatRequestInfo[] = [];
    const gateway = await startScriptedGateway(provider, {}, { onBuild: (info) => void builds.push(info) });
    const session = await gateway.openSession();
    await readAllSseFrames(
      await gateway.chat(session.token, {
        messages: [{ role: 'user', content: 'hi' }],
        context: { channel: '  Telegram ', user: 'u1' },
      }),
    );
    await readAllSseFrames(
      await gateway.chat(session.token, {
        messages: [{ role: 'user', content: 'hi' }],
        context: { channel: 7 },
      }),
    );

    expect(builds.map((info) => info.channel)).toEqual(['telegram', undefined]);
    expect(builds[0]?.session.sessionId).toBe(session.sessionId);
    expect(builds[0]?.request.context).toEqual({ channel: '  Telegram ', user: 'u1' });
  });

  it('refuses a model outside the allow-list with 400', async () => {
    const provider = createScriptedProvider({ turns: [textTurn('allowed')] });
    const gateway = await startScriptedGateway(provider, { server: { allowedModels: ['model-a'] } });
    const session = await gateway.openSession();
    const refused = await gateway.chat(session.token, {
      messages: [{ role: 'user', content: 'x' }],
      model: 'model-b',
    });
    expect(refused.status).toBe(400);
    expect(await jsonOf(refused)).toEqual({
      detail: expect.stringMatching(/^Invalid model: model-b \(allowed: /) as string,
    });

    const accepted = await gateway.chat(session.token, {
      messages: [{ role: 'user', content: 'x' }],
      model: 'model-a',
    });
    expect(accepted.status).toBe(200);
    await readAllSseFrames(accepted);
    expect(provider.requests.map((request) => request.model)).toEqual(['model-a']);
  });
});

describe('hooks and options of createAgent', () => {
  it('calls onUsage, onToolTiming and onEvent', async () => {
    const usages: RunUsage[] = [];
    const timings: ToolTiming[] = [];
    const eventTypes: string[] = [];
    const { gateway } = await startMockAgent(cleanup, {
      turns: [
        toolCallTurn(
          'lookup',
          { query: 'x' },
          { id: 'toolu_agent_lookup', usage: { inputTokens: 3, outputTokens: 2 } },
        ),
        textTurn('ok', { usage: { inputTokens: 4, outputTokens: 1 } }),
      ],
      agent: {
        tools: [...toolsFrom({ lookup: () => ({ hit: true }) }, [lookupDefinition])],
        hooks: {
          onRunUsage: (payload) => void usages.push(payload),
          onToolTiming: (timing) => void timings.push(timing),
          onEvent: (event) => void eventTypes.push(event.type),
        },
      },
    });
    const session = await gateway.openSession();
    const streamed = eventsOf(await readAllSseFrames(await gateway.chat(session.token, 'go')));

    expect(eventTypes).toEqual(streamed.map((event) => event.type));
    expect(usages).toEqual([
      expect.objectContaining({ sessionId: session.sessionId, turns: 2, inputTokens: 7, outputTokens: 3 }),
    ]);
    expect(timings).toEqual([
      expect.objectContaining({
        sessionId: session.sessionId,
        toolName: 'lookup',
        server: null,
        isError: false,
      }),
    ]);
  });

  it('refuses a model outside the default Anthropic allow-list with 400', async () => {
    const { gateway } = await startMockAgent(cleanup);
    const session = await gateway.openSession();
    const refused = await gateway.chat(session.token, {
      messages: [{ role: 'user', content: 'x' }],
      model: 'gpt-4o',
    });
    expect(refused.status).toBe(400);
    expect(await jsonOf(refused)).toEqual({
      detail: expect.stringMatching(/^Invalid model: gpt-4o \(allowed: /) as string,
    });
  });

  it('serves its routes under a custom prefix', async () => {
    const gateway = cleanup.add(
      await startGatewayClient(
        createAgent({
          systemPrompt: 'p',
          server: {
            prefix: '/v2/',
          },
        }),
      ),
      (client) => client.close(),
    );
    expect(gateway.app.prefix).toBe('/v2');
    expect((await fetch(`${gateway.server.url}/v2/health`)).status).toBe(200);
    expect((await fetch(`${gateway.server.url}/api/health`)).status).toBe(404);
    const init = await fetch(`${gateway.server.url}/v2/chat/init`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ api_key: 'k' }),
    });
    expect(init.status).toBe(200);
  });

  it('serves its routes at the root with an empty prefix', async () => {
    const gateway = cleanup.add(
      await startGatewayClient(
        createAgent({
          systemPrompt: 'p',
          server: {
            prefix: '',
          },
        }),
      ),
      (client) => client.close(),
    );
    const health = await fetch(`${gateway.server.url}/health`);
    expect(health.status).toBe(200);
    expect(await jsonOf(health)).toEqual({ status: 'ok' });
    expect((await fetch(`${gateway.server.url}/api/health`)).status).toBe(404);
    expect((await gateway.openSession()).sessionId).toMatch(/^sess_/);
  });
});
