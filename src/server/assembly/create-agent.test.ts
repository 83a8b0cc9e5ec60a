import { tool } from '../../tools/define-tool.js';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { GatewayEvent } from '../../core/events.js';
import { createMockUpstream, type MockUpstream } from '../../testing/mock-upstream/mock-upstream.js';
import { createScriptedProvider } from '../../testing/scripted-provider.js';
import { textTurn, toolCallTurn } from '../../testing/scripted-turn.js';
import type { GatewayApp } from '../gateway-app.js';
import { createAgent } from './create-agent.js';
import { resolveAgentProvider } from './resolve-agent-provider.js';

const CREDENTIAL_VARIABLES = [
  'ANTHROPIC_API_KEY',
  'ANTHROPIC_AUTH_TOKEN',
  'ANTHROPIC_BASE_URL',
  'OPENAI_API_KEY',
  'OPENAI_BASE_URL',
] as const;

const post = (app: GatewayApp, path: string, body: unknown, token?: string): Promise<Response> =>
  app.fetch(
    new Request(`http://agent.test/api${path}`, {
      method: 'POST',
      headers: {
        'Content-Type': 'application/json',
        ...(token === undefined ? {} : { Authorization: `Bearer ${token}` }),
      },
      body: JSON.stringify(body),
    }),
  );

/** Opens a session and runs one chat in process; resolves with the status and the events. */
const chatThrough = async (
  app: GatewayApp,
  body: Record<string, unknown>,
): Promise<{ status: number; events: GatewayEvent[]; text: string }> => {
  const init = await post(app, '/chat/init', { api_key: 'test-key' });
  const { session_token: token } = (await init.json()) as { session_token: string };
  const response = await post(app, '/chat', body, token);
  const text = await response.text();
  const events = text
    .split('\n')
    .filter((line) => line.startsWith('data:'))
    .map((line) => JSON.parse(line.slice(5)) as GatewayEvent);
  return { status: response.status, events, text };
};

const ask = (content: string): Record<string, unknown> => ({ messages: [{ role: 'user', content }] });

const streamedText = (events: readonly GatewayEvent[]): string =>
  events.map((event) => (event.type === 'text_delta' ? event.text : '')).join('');

describe('createAgent', () => {
  const opened: GatewayApp[] = [];
  let upstream: MockUpstream | undefined;

  beforeEach(() => {
    for (const name of CREDENTIAL_VARIABLES) vi.stubEnv(name, undefined);
  });

  afterEach(async () => {
    await Promise.all(opened.splice(0).map((app) => app.close()));
    await upstream?.close();
    upstream = undefined;
    vi.unstubAllEnvs();
  });

  const track = (app: GatewayApp): GatewayApp => {
    opened.push(app);
    return app;
  };

  describe('provider resolution', () => {
    it('defaults to Anthropic with claude-sonnet-4-6, and OpenAI to gpt-4o', () => {
      expect(resolveAgentProvider({})).toMatchObject({ model: 'claude-sonnet-4-6' });
      expect(resolveAgentProvider({ provider: 'openai' })).toMatchObject({ model: 'gpt-4o' });
    });

    it('reads provider names case-insensitively and trimmed', () => {
      expect(resolveAgentProvider({ provider: '  OpenAI ' }).provider.name).toBe('openai');
      expect(resolveAgentProvider({ provider: 'ANTHROPIC' }).provider.name).toBe('anthropic');
    });

    it('allows only the configured model on every provider unless allowedModels is given', () => {
      expect([...resolveAgentProvider({}).allowedModels]).toEqual(['claude-sonnet-4-6']);
      expect([...resolveAgentProvider({ model: 'claude-haiku-4-5' }).allowedModels]).toEqual([
        'claude-haiku-4-5',
      ]);
      expect([...resolveAgentProvider({ provider: 'openai' }).allowedModels]).toEqual(['gpt-4o']);
      expect([
        ...resolveAgentProvider({ provider: createScriptedProvider(), model: 'm' }).allowedModels,
      ]).toEqual(['m']);
      expect(resolveAgentProvider({ provider: 'openai' }, []).allowedModels.size).toBe(0);
      expect([...resolveAgentProvider({}, ['only-this']).allowedModels]).toEqual(['only-this']);
    });

    it('falls back to the environment for the API key, and has no credential without one', () => {
      expect(resolveAgentProvider({}).provider.hasCredential()).toBe(false);
      expect(resolveAgentProvider({ provider: 'openai' }).provider.hasCredential()).toBe(false);
      vi.stubEnv('ANTHROPIC_API_KEY', 'env-anthropic-key');
      vi.stubEnv('OPENAI_API_KEY', 'env-openai-key');
      expect(resolveAgentProvider({}).provider.hasCredential()).toBe(true);
      expect(resolveAgentProvider({ apiKey: '   ' }).provider.hasCredential()).toBe(true);
      expect(resolveAgentProvider({ provider: 'openai' }).provider.hasCredential()).toBe(true);
    });

    it('accepts an Anthropic OAuth token from the environment', () => {
      vi.stubEnv('ANTHROPIC_AUTH_TOKEN', 'env-token');
      expect(resolveAgentProvider({}).provider.hasCredential()).toBe(true);
    });
  });

  describe('over HTTP', () => {
    it('streams the stub reply when no credential is configured', async () => {
      const app = track(createAgent({ systemPrompt: 'You are terse.' }));
      const { status, events } = await chatThrough(app, ask('What is SSE?'));
      expect(status).toBe(200);
      expect(streamedText(events)).toBe(
        'Stub response (no Anthropic credential configured). You asked: What is SSE? ',
      );
      expect(events.at(-1)).toEqual({ type: 'stream_complete', usage: {} });
    });

    it('refuses a model outside the Anthropic allow-list with 400', async () => {
      const app = track(createAgent({ systemPrompt: 'You are terse.' }));
      const { status, text } = await chatThrough(app, { ...ask('Hi'), model: 'gpt-4o' });
      expect(status).toBe(400);
      expect(JSON.parse(text)).toEqual({
        detail: expect.stringMatching(/^Invalid model: gpt-4o \(allowed: /) as string,
      });
    });

    it('sends the API key found in the environment to the provider', async () => {
      upstream = await createMockUpstream({ anthropic: [textTurn('Hello from upstream.')] });
      vi.stubEnv('ANTHROPIC_API_KEY', 'env-anthropic-key');
      const app = track(
        createAgent({ systemPrompt: 'You are terse.', providerConfig: { baseURL: upstream.url } }),
      );

      const { events } = await chatThrough(app, ask('Hi'));

      expect(streamedText(events)).toBe('Hello from upstream.');
      expect(JSON.stringify(upstream.requests[0]?.headers)).toContain('env-anthropic-key');
      expect(upstream.requests[0]?.body).toMatchObject({ model: 'claude-sonnet-4-6' });
    });

    it('an explicit apiKey wins over the environment', async () => {
      upstream = await createMockUpstream({ anthropic: [textTurn('ok')] });
      vi.stubEnv('ANTHROPIC_API_KEY', 'env-anthropic-key');
      const app = track(
        createAgent({
          systemPrompt: 'You are terse.',
          apiKey: 'explicit-key',
          providerConfig: { baseURL: upstream.url },
        }),
      );
      await chatThrough(app, ask('Hi'));
      const headers = JSON.stringify(upstream.requests[0]?.headers);
      expect(headers).toContain('explicit-key');
      expect(headers).not.toContain('env-anthropic-key');
    });
  });

  describe('with a Provider instance', () => {
    it('runs the loop with its tools, prompt, model and limits through app.fetch', async () => {
      const provider = createScriptedProvider({
        turns: [
          toolCallTurn('lookup_order', { order_id: 'A-1' }, { id: 'toolu_1' }),
          textTurn('It has shipped.', { usage: { inputTokens: 10, outputTokens: 5 } }),
        ],
      });
      const onUsage = vi.fn();
      const app = track(
        createAgent({
          systemPrompt: 'You track orders.',
          provider,
          model: 'test-model',
          maxTokens: 1024,
          thinking: false,
          tools: [
            tool({
              name: 'lookup_order',
              description: 'Look up an order.',
              inputSchema: { type: 'object' },
              execute: (input) => ({ order_id: input.order_id, status: 'shipped' }),
            }),
          ],
          hooks: {
            onRunUsage: onUsage,
          },
        }),
      );

      const { events } = await chatThrough(app, ask('Where is A-1?'));

      expect(events.map((event) => event.type)).toEqual([
        'tool_call_start',
        'tool_call_complete',
        ...Array<string>(3).fill('text_delta'),
        'stream_complete',
      ]);
      expect(events[1]).toMatchObject({ result: { order_id: 'A-1', status: 'shipped' }, error: null });
      expect(streamedText(events)).toBe('It has shipped.');
      expect(provider.requests[0]).toMatchObject({
        model: 'test-model',
        system: 'You track orders.',
        maxTokens: 1024,
        tools: [{ name: 'lookup_order' }],
      });
      expect(onUsage).toHaveBeenCalledWith(expect.objectContaining({ inputTokens: 10, outputTokens: 5 }));
      provider.assertAllConsumed();
    });

    it('uses the model a request names when allowedModels lets it', async () => {
      const provider = createScriptedProvider({ turns: [textTurn('ok')] });
      const app = track(
        createAgent({
          systemPrompt: 'prompt',
          provider,
          model: 'test-model',
          server: {
            allowedModels: ['test-model', 'other-model'],
          },
        }),
      );
      const { status } = await chatThrough(app, { ...ask('Hi'), model: 'other-model' });
      expect(status).toBe(200);
      expect(provider.requests[0]?.model).toBe('other-model');
    });

    it('stops at maxTurns with the limit events', async () => {
      const provider = createScriptedProvider({
        turns: [toolCallTurn('lookup_order', {}), toolCallTurn('lookup_order', {})],
      });
      const app = track(
        createAgent({
          systemPrompt: 'prompt',
          provider,
          model: 'test-model',
          maxTurns: 1,
          tools: [
            tool({
              name: 'lookup_order',
              description: 'd',
              inputSchema: { type: 'object' },
              execute: () => 'nothing',
            }),
          ],
        }),
      );
      const { events } = await chatThrough(app, ask('Loop'));
      expect(events.find((event) => event.type === 'max_turns_reached')).toMatchObject({ max_turns: 1 });
      expect(events.at(-1)?.type).toBe('stream_complete');
      expect(provider.requests).toHaveLength(1);
    });

    it('closes the provider after the user shutdown hook when the app closes', async () => {
      const provider = createScriptedProvider();
      const order: string[] = [];
      const close = vi.spyOn(provider, 'close').mockImplementation(() => {
        order.push('provider.close');
        return Promise.resolve();
      });
      const app = createAgent({
        systemPrompt: 'prompt',
        provider,
        model: 'test-model',
        server: {
          onShutdown: () => void order.push('onShutdown'),
        },
      });
      await app.start();
      await app.close();
      await app.close();
      expect(order).toEqual(['onShutdown', 'provider.close']);
      expect(close).toHaveBeenCalledTimes(1);
    });
  });
});
