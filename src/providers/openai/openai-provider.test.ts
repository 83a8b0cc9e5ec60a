import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { GatewayError, isGatewayError, ProviderError } from '../../core/errors.js';
import type { Provider, ProviderEvent, ProviderRequest } from '../../core/provider.js';
import { createMockUpstream, type MockUpstream } from '../../testing/mock-upstream/mock-upstream.js';
import { httpErrorTurn, textTurn, toolCallTurn } from '../../testing/scripted-turn.js';
import { createOpenAIProvider } from './openai-provider.js';

/** Every wire-format test runs through both transports. */
const TRANSPORTS = ['lean', 'sdk'] as const;

const request = (overrides: Partial<ProviderRequest> = {}): ProviderRequest => ({
  model: 'gpt-4o',
  system: 'Be brief.',
  messages: [{ role: 'user', content: 'hi' }],
  tools: [],
  maxTokens: 1024,
  thinking: 'high',
  ...overrides,
});

const collect = async (
  provider: Provider,
  turn: ProviderRequest = request(),
  signal: AbortSignal = new AbortController().signal,
): Promise<ProviderEvent[]> => {
  const events: ProviderEvent[] = [];
  for await (const event of provider.stream(turn, signal)) events.push(event);
  return events;
};

const failure = async (run: Promise<unknown>): Promise<GatewayError> => {
  try {
    await run;
  } catch (error) {
    if (error instanceof GatewayError) return error;
    throw error;
  }
  throw new Error('expected the stream to fail');
};

const bodyOf = (upstream: MockUpstream, index = 0): Record<string, unknown> => {
  const body = upstream.requests[index]?.body;
  if (typeof body !== 'object' || body === null) throw new Error(`no recorded request #${index}`);
  return body as Record<string, unknown>;
};

describe.each(TRANSPORTS)('createOpenAIProvider against a mock upstream (%s transport)', (transport) => {
  let upstream: MockUpstream;
  let provider: Provider;

  beforeEach(async () => {
    vi.stubEnv('OPENAI_API_KEY', '');
    vi.stubEnv('OPENAI_BASE_URL', '');
    upstream = await createMockUpstream();
    provider = createOpenAIProvider({ transport, apiKey: 'sk-test', baseURL: upstream.openaiBaseURL });
  });

  afterEach(async () => {
    await provider.close?.();
    await upstream.close();
    vi.unstubAllEnvs();
  });

  it('streams a text turn', async () => {
    upstream.enqueue('openai', textTurn('Hello there'));
    const events = await collect(provider);
    const text = events.flatMap((event) => (event.type === 'text_delta' ? [event.text] : [])).join('');
    expect(text).toBe('Hello there');
    expect(events[0]).toEqual({ type: 'message_start' });
    expect(events).toContainEqual({ type: 'block_end', block: { type: 'text', text: 'Hello there' } });
    expect(events.at(-1)).toEqual({ type: 'message_end', stopReason: 'end_turn' });
    expect(upstream.requests).toHaveLength(1);
    expect(upstream.requests[0]?.headers.authorization).toBe('Bearer sk-test');
    upstream.assertAllConsumed();
  });

  it('turns reasoning deltas into thinking', async () => {
    upstream.enqueue('openai', {
      blocks: [
        { type: 'thinking', text: 'Two plus two.' },
        { type: 'text', text: 'Four.' },
      ],
    });
    const events = await collect(provider, request({ model: 'o3-mini' }));
    const thinking = events
      .flatMap((event) => (event.type === 'thinking_delta' ? [event.text] : []))
      .join('');
    expect(thinking).toBe('Two plus two.');
    expect(events).toContainEqual({
      type: 'block_end',
      block: { type: 'thinking', thinking: 'Two plus two.' },
    });
  });

  it('assembles two tool calls of one turn across chunks, in order', async () => {
    upstream.enqueue('openai', {
      blocks: [
        { type: 'text', text: 'Looking up.' },
        { type: 'tool_call', id: 'call_weather', name: 'weather', input: { city: 'Oslo', days: 3 } },
        { type: 'tool_call', id: 'call_time', name: 'time', input: { zone: 'Europe/Oslo' } },
      ],
    });
    const events = await collect(provider);
    const toolBlocks = events.flatMap((event) =>
      event.type === 'block_end' && event.block.type === 'tool_use' ? [event.block] : [],
    );
    expect(toolBlocks).toEqual([
      { type: 'tool_use', id: 'call_weather', name: 'weather', input: { city: 'Oslo', days: 3 } },
      { type: 'tool_use', id: 'call_time', name: 'time', input: { zone: 'Europe/Oslo' } },
    ]);
    const weatherJson = events
      .flatMap((event) =>
        event.type === 'tool_use_delta' && event.id === 'call_weather' ? [event.partialJson] : [],
      )
      .join('');
    expect(JSON.parse(weatherJson)).toEqual({ city: 'Oslo', days: 3 });
    expect(events.at(-1)).toEqual({ type: 'message_end', stopReason: 'tool_use' });
  });

  it('reports usage with cached tokens split out of the input', async () => {
    upstream.enqueue(
      'openai',
      textTurn('ok', { usage: { inputTokens: 20, cacheReadTokens: 100, outputTokens: 5 } }),
    );
    const events = await collect(provider);
    expect(events).toContainEqual({
      type: 'usage',
      usage: { inputTokens: 20, outputTokens: 5, cacheReadTokens: 100, cacheCreationTokens: 0 },
    });
  });

  it('sends a chat-model body: usage option, completion-token limit, tools, system role', async () => {
    upstream.enqueue('openai', toolCallTurn('weather', { city: 'Oslo' }));
    const schema = { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] };
    await collect(
      provider,
      request({ tools: [{ name: 'weather', description: 'Get weather', input_schema: schema }] }),
    );
    const body = bodyOf(upstream);
    expect(body).toMatchObject({
      model: 'gpt-4o',
      stream: true,
      stream_options: { include_usage: true },
      max_completion_tokens: 1024,
      tools: [
        {
          type: 'function',
          function: { name: 'weather', description: 'Get weather', parameters: schema, strict: false },
        },
      ],
      messages: [
        { role: 'system', content: 'Be brief.' },
        { role: 'user', content: 'hi' },
      ],
    });
    expect(body).not.toHaveProperty('reasoning_effort');
    // A custom host may reject OpenAI's `store` field.
    expect(body).not.toHaveProperty('store');
  });

  it.each([
    ['o3-mini', 'medium', 'medium'],
    ['gpt-5', 'max', 'high'],
  ] as const)('sends %s a developer message and reasoning_effort', async (model, thinking, effort) => {
    upstream.enqueue('openai', textTurn('ok'));
    await collect(provider, request({ model, thinking }));
    const body = bodyOf(upstream);
    expect(body.reasoning_effort).toBe(effort);
    expect(body.messages).toEqual([
      { role: 'developer', content: 'Be brief.' },
      { role: 'user', content: 'hi' },
    ]);
  });

  it('accepts any model on a custom base URL, at zero prices, without an API key', async () => {
    const local = createOpenAIProvider({ transport, baseURL: upstream.openaiBaseURL });
    expect(local.hasCredential()).toBe(true);
    expect(local.getModelInfo('llama3.2:3b').pricing.inputPerMTok).toBe(0);
    upstream.enqueue('openai', textTurn('hi from llama'));
    const events = await collect(local, request({ model: 'llama3.2:3b' }));
    expect(events.at(-1)).toEqual({ type: 'message_end', stopReason: 'end_turn' });
    expect(bodyOf(upstream).model).toBe('llama3.2:3b');
    await local.close?.();
  });

  it('honours OPENAI_BASE_URL and OPENAI_API_KEY from the environment', async () => {
    vi.stubEnv('OPENAI_BASE_URL', upstream.openaiBaseURL);
    vi.stubEnv('OPENAI_API_KEY', 'sk-from-env');
    const fromEnvironment = createOpenAIProvider({ transport });
    upstream.enqueue('openai', textTurn('ok'));
    await collect(fromEnvironment, request({ model: 'some-local-model' }));
    expect(upstream.requests).toHaveLength(1);
    expect(upstream.requests[0]?.headers.authorization).toBe('Bearer sk-from-env');
    await fromEnvironment.close?.();
  });

  it('sends configured default headers', async () => {
    const withHeaders = createOpenAIProvider({
      transport,
      baseURL: upstream.openaiBaseURL,
      defaultHeaders: { 'x-title': 'gateway-test' },
    });
    upstream.enqueue('openai', textTurn('ok'));
    await collect(withHeaders);
    expect(upstream.requests[0]?.headers['x-title']).toBe('gateway-test');
    await withHeaders.close?.();
  });

  it('classifies 429 as retryable with the retry-after delay, in one request', async () => {
    upstream.enqueue('openai', httpErrorTurn(429, { retryAfterSeconds: 2 }));
    const error = await failure(collect(provider));
    expect(error).toBeInstanceOf(ProviderError);
    expect(error).toMatchObject({ code: 'provider_error', retryable: true, status: 429, retryAfterMs: 2000 });
    expect(upstream.requests).toHaveLength(1);
  });

  it('classifies 500 as retryable without retrying it itself', async () => {
    upstream.enqueue('openai', httpErrorTurn(500));
    expect(await failure(collect(provider))).toMatchObject({ retryable: true, status: 500 });
    expect(upstream.requests).toHaveLength(1);
  });

  it('classifies 400 as not retryable', async () => {
    upstream.enqueue('openai', httpErrorTurn(400, { message: 'bad request' }));
    const error = await failure(collect(provider));
    expect(error).toMatchObject({ retryable: false, status: 400 });
    expect(error.message).toContain('bad request');
  });

  it('classifies a connection cut mid-stream as retryable', async () => {
    upstream.enqueue('openai', textTurn('one two three four five', { cutAfterEvents: 3 }));
    const error = await failure(collect(provider));
    expect(error).toBeInstanceOf(ProviderError);
    expect(error).toMatchObject({ retryable: true });
    expect(upstream.requests).toHaveLength(1);
  });

  it('cancels the upstream request when aborted mid-stream and rejects with aborted', async () => {
    upstream.enqueue('openai', textTurn('one two three', { stallAfterEvents: 2 }));
    const controller = new AbortController();
    const seen: ProviderEvent[] = [];
    const run = (async () => {
      for await (const event of provider.stream(request(), controller.signal)) {
        seen.push(event);
        if (event.type === 'text_delta') controller.abort();
      }
    })();
    const error = await failure(run);
    expect(isGatewayError(error, 'aborted')).toBe(true);
    const aborted = await upstream.waitForClientAbort();
    expect(aborted.clientAborted).toBe(true);
    expect(seen.filter((event) => event.type === 'text_delta')).toHaveLength(1);
  });

  it('rejects at once, without a request, when the signal is already aborted', async () => {
    const controller = new AbortController();
    controller.abort();
    const error = await failure(collect(provider, request(), controller.signal));
    expect(isGatewayError(error, 'aborted')).toBe(true);
    expect(upstream.requests).toHaveLength(0);
  });

  it('close() cancels a stream in flight, is idempotent, and refuses new streams', async () => {
    upstream.enqueue('openai', textTurn('one two three', { stallAfterEvents: 2 }));
    const run = (async () => {
      for await (const event of provider.stream(request(), new AbortController().signal)) {
        if (event.type === 'text_delta') await provider.close?.();
      }
    })();
    expect(isGatewayError(await failure(run), 'aborted')).toBe(true);
    await upstream.waitForClientAbort();
    await provider.close?.();
    const error = await failure(collect(provider));
    expect(error).toMatchObject({ retryable: false });
    expect(upstream.requests).toHaveLength(1);
  });
});

describe('createOpenAIProvider configuration', () => {
  beforeEach(() => {
    vi.stubEnv('OPENAI_API_KEY', '');
    vi.stubEnv('OPENAI_BASE_URL', '');
  });
  afterEach(() => {
    vi.unstubAllEnvs();
  });

  it('has a credential only with an API key or a custom base URL', () => {
    expect(createOpenAIProvider().hasCredential()).toBe(false);
    expect(createOpenAIProvider({ apiKey: '  ' }).hasCredential()).toBe(false);
    expect(createOpenAIProvider({ apiKey: 'sk-x' }).hasCredential()).toBe(true);
    expect(createOpenAIProvider({ baseURL: 'http://127.0.0.1:11434/v1' }).hasCredential()).toBe(true);
    expect(createOpenAIProvider({ baseURL: 'https://api.openai.com/v1' }).hasCredential()).toBe(false);
    vi.stubEnv('OPENAI_API_KEY', 'sk-env');
    expect(createOpenAIProvider().hasCredential()).toBe(true);
  });

  it('rejects unknown models on the official API', () => {
    const provider = createOpenAIProvider({ apiKey: 'sk-x' });
    expect(provider.name).toBe('openai');
    expect(provider.getModelInfo('gpt-4o-mini').pricing.outputPerMTok).toBe(0.6);
    expect(() => provider.getModelInfo('llama3.2')).toThrow(
      'OpenAIProvider does not recognize model: llama3.2',
    );
  });

  it('refuses to stream to the official API without a key, before any request', async () => {
    const error = await failure(collect(createOpenAIProvider()));
    expect(error).toMatchObject({ code: 'provider_error', retryable: false });
  });

  it('rejects an invalid OPENAI_BASE_URL at construction', () => {
    vi.stubEnv('OPENAI_BASE_URL', 'localhost:11434');
    expect(() => createOpenAIProvider()).toThrow(/OPENAI_BASE_URL/);
  });
});
