import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { isGatewayError } from '../../core/errors.js';
import type { ProviderEvent, ProviderRequest } from '../../core/provider.js';
import { createMockUpstream, type MockUpstream } from '../../testing/mock-upstream/mock-upstream.js';
import { textTurn } from '../../testing/scripted-turn.js';
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

describe.each(TRANSPORTS)('createAnthropicProvider credentials and endpoints (%s transport)', (transport) => {
  it('sends the API key without any OAuth markers in api mode', async () => {
    const mock = await startUpstream();
    mock.enqueue('anthropic', textTurn('ok'));
    const provider = createAnthropicProvider({ transport, apiKey: 'sk-api-key', baseURL: mock.url });

    await collect(provider.stream(request({ system: 'sys' }), new AbortController().signal));

    const headers = mock.requests[0]?.headers ?? {};
    // The SDK (1.x) carries the API key as a bearer credential.
    expect(headers['authorization']).toBe('Bearer sk-api-key');
    expect(headers['anthropic-beta']).toBeUndefined();
    expect(headers['x-app']).toBeUndefined();
    expect(String(headers['user-agent'])).not.toMatch(/claude-cli/);
    expect(bodyOf(mock).system).toEqual([
      { type: 'text', text: 'sys', cache_control: { type: 'ephemeral' } },
    ]);
  });

  it('sends the OAuth token with the Claude Code headers and identity block in oauth mode', async () => {
    const mock = await startUpstream();
    mock.enqueue('anthropic', textTurn('ok'));
    const provider = createAnthropicProvider({ transport, authToken: 'oauth-token', baseURL: mock.url });

    await collect(provider.stream(request({ system: 'sys' }), new AbortController().signal));

    const headers = mock.requests[0]?.headers ?? {};
    expect(headers['authorization']).toBe('Bearer oauth-token');
    expect(headers['x-api-key']).toBeUndefined();
    expect(headers['anthropic-beta']).toBe(
      'claude-code-20250219,oauth-2025-04-20,fine-grained-tool-streaming-2025-05-14',
    );
    expect(headers['x-app']).toBe('cli');
    expect(String(headers['user-agent'])).toMatch(/^claude-cli\//);
    expect(bodyOf(mock).system).toEqual([
      { type: 'text', text: "You are Claude Code, Anthropic's official CLI for Claude." },
      { type: 'text', text: 'sys', cache_control: { type: 'ephemeral' } },
    ]);
  });

  it('sends custom default headers', async () => {
    const mock = await startUpstream();
    mock.enqueue('anthropic', textTurn('ok'));
    const provider = createAnthropicProvider({
      transport,
      apiKey: 'sk',
      baseURL: mock.url,
      defaultHeaders: { 'x-team': 'blue' },
    });

    await collect(provider.stream(request(), new AbortController().signal));

    expect(mock.requests[0]?.headers['x-team']).toBe('blue');
  });

  it('honours ANTHROPIC_BASE_URL and ANTHROPIC_API_KEY from the environment', async () => {
    const mock = await startUpstream();
    mock.enqueue('anthropic', textTurn('from env'));
    vi.stubEnv('ANTHROPIC_BASE_URL', mock.url);
    vi.stubEnv('ANTHROPIC_API_KEY', 'sk-from-env');
    const provider = createAnthropicProvider({ transport });

    const events = await collect(provider.stream(request(), new AbortController().signal));

    expect(events.at(-1)).toEqual({ type: 'message_end', stopReason: 'end_turn' });
    expect(mock.requests).toHaveLength(1);
    expect(mock.requests[0]?.headers['authorization']).toBe('Bearer sk-from-env');
  });

  it('accepts any model name once a compatible server is configured', async () => {
    const mock = await startUpstream();
    mock.enqueue('anthropic', textTurn('local model'));
    const provider = createAnthropicProvider({ transport, apiKey: 'sk', baseURL: mock.url });

    await collect(provider.stream(request({ model: 'qwen3-coder' }), new AbortController().signal));

    expect(provider.getModelInfo('qwen3-coder').pricing.inputPerMTok).toBe(0);
    expect(bodyOf(mock).model).toBe('qwen3-coder');
  });
});

describe('createAnthropicProvider configuration', () => {
  it('reports a credential per auth mode', () => {
    expect(createAnthropicProvider({ apiKey: 'sk' }).hasCredential()).toBe(true);
    expect(createAnthropicProvider({ authToken: 'tok' }).hasCredential()).toBe(true);
    expect(createAnthropicProvider({ authMode: 'oauth', apiKey: 'sk' }).hasCredential()).toBe(false);
    expect(createAnthropicProvider().hasCredential()).toBe(false);
  });

  it('picks the credential up from the environment', () => {
    vi.stubEnv('ANTHROPIC_AUTH_TOKEN', 'tok');
    expect(createAnthropicProvider().hasCredential()).toBe(true);
  });

  it('rejects non-claude models against the Anthropic API', () => {
    const provider = createAnthropicProvider({ apiKey: 'sk' });
    expect(provider.name).toBe('anthropic');
    expect(() => provider.getModelInfo('gpt-4o')).toThrow(/does not recognize model/);
    let thrown: unknown;
    try {
      provider.getModelInfo('gpt-4o');
    } catch (error) {
      thrown = error;
    }
    expect(isGatewayError(thrown, 'unknown_model')).toBe(true);
  });

  it('validates options before doing anything', () => {
    let thrown: unknown;
    try {
      createAnthropicProvider({ timeoutMs: -1 });
    } catch (error) {
      thrown = error;
    }
    expect(isGatewayError(thrown, 'invalid_option')).toBe(true);
  });
});
