import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { ProviderEvent, ProviderRequest } from '../../core/provider.js';
import { createMockUpstream, type MockUpstream } from '../../testing/mock-upstream/mock-upstream.js';
import { textTurn, toolCallTurn } from '../../testing/scripted-turn.js';
import { createAnthropicProvider } from './anthropic-provider.js';

/** Every wire-format test runs through both transports. */
const TRANSPORTS = ['lean', 'sdk'] as const;

const request = (overrides: Partial<ProviderRequest> = {}): ProviderRequest => ({
  model: 'claude-sonnet-4-6',
  system: undefined,
  messages: [{ role: 'user', content: 'hello' }],
  tools: [],
  maxTokens: 1024,
  thinking: 'none',
  ...overrides,
});

const collect = async (events: AsyncIterable<ProviderEvent>): Promise<ProviderEvent[]> => {
  const output: ProviderEvent[] = [];
  for await (const event of events) output.push(event);
  return output;
};

const bodyOf = (upstream: MockUpstream, index = 0): Record<string, unknown> => {
  const body = upstream.requests[index]?.body;
  if (typeof body !== 'object' || body === null) throw new Error(`no JSON body for request ${index}`);
  return body as Record<string, unknown>;
};

let upstream: MockUpstream | undefined;

const startUpstream = async (): Promise<MockUpstream> => {
  upstream = await createMockUpstream();
  return upstream;
};

beforeEach(() => {
  // The machine's own credentials must not leak into these tests.
  for (const name of [
    'ANTHROPIC_API_KEY',
    'ANTHROPIC_AUTH_TOKEN',
    'ANTHROPIC_BASE_URL',
    'ANTHROPIC_CUSTOM_HEADERS',
  ]) {
    vi.stubEnv(name, '');
  }
});

afterEach(async () => {
  vi.unstubAllEnvs();
  await upstream?.close();
  upstream = undefined;
});

describe.each(TRANSPORTS)(
  'createAnthropicProvider against a wire-format upstream (%s transport)',
  (transport) => {
    it('streams text through the real SDK', async () => {
      const mock = await startUpstream();
      mock.enqueue('anthropic', textTurn('Hello from the mock'));
      const provider = createAnthropicProvider({ transport, apiKey: 'sk-test', baseURL: mock.url });

      const events = await collect(provider.stream(request(), new AbortController().signal));

      expect(events[0]).toEqual({ type: 'message_start' });
      const text = events.flatMap((event) => (event.type === 'text_delta' ? [event.text] : [])).join('');
      expect(text).toBe('Hello from the mock');
      expect(events).toContainEqual({
        type: 'block_end',
        block: { type: 'text', text: 'Hello from the mock' },
      });
      expect(events.at(-1)).toEqual({ type: 'message_end', stopReason: 'end_turn' });
      expect(bodyOf(mock)).toMatchObject({ model: 'claude-sonnet-4-6', stream: true, max_tokens: 1024 });
      mock.assertAllConsumed();
      await provider.close?.();
    });

    it('streams thinking with its signature and asks adaptive models to think adaptively', async () => {
      const mock = await startUpstream();
      mock.enqueue('anthropic', {
        blocks: [
          { type: 'thinking', text: 'weighing options', signature: 'sig_abc' },
          { type: 'text', text: 'decided' },
        ],
      });
      const provider = createAnthropicProvider({ transport, apiKey: 'sk-test', baseURL: mock.url });

      const events = await collect(
        provider.stream(
          request({ model: 'claude-opus-4-6', thinking: 'high', maxTokens: 8000 }),
          new AbortController().signal,
        ),
      );

      const thinking = events
        .flatMap((event) => (event.type === 'thinking_delta' ? [event.text] : []))
        .join('');
      expect(thinking).toBe('weighing options');
      expect(events).toContainEqual({
        type: 'block_end',
        block: { type: 'thinking', thinking: 'weighing options', signature: 'sig_abc' },
      });
      expect(bodyOf(mock).thinking).toEqual({ type: 'adaptive' });
    });

    it('gives earlier thinking models a budget and sends no thinking below 2048 max tokens', async () => {
      const mock = await startUpstream();
      mock.enqueue('anthropic', textTurn('a'), textTurn('b'));
      const provider = createAnthropicProvider({ transport, apiKey: 'sk-test', baseURL: mock.url });

      await collect(
        provider.stream(
          request({ model: 'claude-haiku-4-5', thinking: 'high', maxTokens: 4096 }),
          new AbortController().signal,
        ),
      );
      await collect(
        provider.stream(
          request({ model: 'claude-haiku-4-5', thinking: 'high', maxTokens: 2000 }),
          new AbortController().signal,
        ),
      );

      expect(bodyOf(mock, 0).thinking).toEqual({ type: 'enabled', budget_tokens: 3072 });
      expect(bodyOf(mock, 1)).not.toHaveProperty('thinking');
    });

    it('assembles a tool call from streamed input_json_delta pieces', async () => {
      const mock = await startUpstream();
      const input = { query: 'weather in Paris', limit: 3, filters: { units: 'metric' } };
      mock.enqueue('anthropic', toolCallTurn('search', input, { id: 'toolu_42', text: 'Let me check.' }));
      const provider = createAnthropicProvider({ transport, apiKey: 'sk-test', baseURL: mock.url });

      const events = await collect(
        provider.stream(
          request({ tools: [{ name: 'search', description: 'Searches', input_schema: { type: 'object' } }] }),
          new AbortController().signal,
        ),
      );

      expect(events).toContainEqual({ type: 'tool_use_start', id: 'toolu_42', name: 'search' });
      expect(events.filter((event) => event.type === 'tool_use_delta').length).toBeGreaterThan(1);
      expect(events).toContainEqual({
        type: 'block_end',
        block: { type: 'tool_use', id: 'toolu_42', name: 'search', input },
      });
      expect(events.at(-1)).toEqual({ type: 'message_end', stopReason: 'tool_use' });
      expect(bodyOf(mock).tools).toEqual([
        { name: 'search', description: 'Searches', input_schema: { type: 'object' } },
      ]);
    });

    it('reports usage with cache tokens without subtracting them from input', async () => {
      const mock = await startUpstream();
      mock.enqueue(
        'anthropic',
        textTurn('cached', {
          usage: { inputTokens: 20, outputTokens: 7, cacheReadTokens: 900, cacheCreationTokens: 40 },
        }),
      );
      const provider = createAnthropicProvider({ transport, apiKey: 'sk-test', baseURL: mock.url });

      const events = await collect(provider.stream(request(), new AbortController().signal));

      const usage = events.flatMap((event) => (event.type === 'usage' ? [event.usage] : [])).at(-1);
      expect(usage).toEqual({
        inputTokens: 20,
        outputTokens: 7,
        cacheReadTokens: 900,
        cacheCreationTokens: 40,
      });
    });

    it('marks the system prompt for caching on the wire', async () => {
      const mock = await startUpstream();
      mock.enqueue('anthropic', textTurn('a'), textTurn('b'));
      const provider = createAnthropicProvider({ transport, apiKey: 'sk-test', baseURL: mock.url });

      await collect(provider.stream(request({ system: 'You are terse.' }), new AbortController().signal));
      await collect(
        provider.stream(
          request({
            system: [
              ['Stable rules.', true],
              ['Today is Monday.', false],
            ],
          }),
          new AbortController().signal,
        ),
      );

      expect(bodyOf(mock, 0).system).toEqual([
        { type: 'text', text: 'You are terse.', cache_control: { type: 'ephemeral' } },
      ]);
      expect(bodyOf(mock, 1).system).toEqual([
        { type: 'text', text: 'Stable rules.', cache_control: { type: 'ephemeral' } },
        { type: 'text', text: 'Today is Monday.' },
      ]);
    });
  },
);
