import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { propagation, trace } from '@opentelemetry/api';
import {
  BasicTracerProvider,
  InMemorySpanExporter,
  SimpleSpanProcessor,
} from '@opentelemetry/sdk-trace-base';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { isGatewayError } from '../../core/errors.js';
import type { ProviderEvent, ProviderRequest } from '../../core/provider.js';
import { createMockUpstream, type MockUpstream } from '../../testing/mock-upstream/mock-upstream.js';
import { textTurn } from '../../testing/scripted-turn.js';
import { AnthropicClient } from './anthropic-client.js';
import { createAnthropicProvider } from './anthropic-provider.js';

const request = (content = 'hello'): ProviderRequest => ({
  model: 'claude-sonnet-4-6',
  system: 'You answer.',
  messages: [{ role: 'user', content }],
  tools: [],
  maxTokens: 1024,
  thinking: 'none',
});

const collect = async (events: AsyncIterable<ProviderEvent>): Promise<ProviderEvent[]> => {
  const output: ProviderEvent[] = [];
  for await (const event of events) output.push(event);
  return output;
};

/** What a request carries besides its connection: its route, every header, its body. */
const wireOf = (upstream: MockUpstream, index: number) => {
  const recorded = upstream.requests[index];
  if (recorded === undefined) throw new Error(`no request ${index}`);
  const { connection: _connection, ...headers } = recorded.headers;
  return { flavor: recorded.flavor, path: recorded.path, headers, body: recorded.body };
};

let upstream: MockUpstream | undefined;
let silent: Server | undefined;

beforeEach(() => {
  // Whether a call goes direct depends on the process's OpenTelemetry globals: start from none,
  // whatever a test file run before this one in the same worker left.
  trace.disable();
  propagation.disable();
  for (const name of ['ANTHROPIC_API_KEY', 'ANTHROPIC_AUTH_TOKEN', 'ANTHROPIC_BASE_URL', 'ANTHROPIC_LOG']) {
    vi.stubEnv(name, '');
  }
});

afterEach(async () => {
  vi.unstubAllEnvs();
  vi.restoreAllMocks();
  await upstream?.close();
  upstream = undefined;
  silent?.closeAllConnections();
  await new Promise((resolve) => silent?.close(resolve) ?? resolve(undefined));
  silent = undefined;
});

describe('the lean transport sending a streamed messages.create itself', () => {
  it('sends the same method, path, headers and body as the SDK sends through the same transport', async () => {
    upstream = await createMockUpstream({ respond: () => textTurn('hi') });
    const direct = createAnthropicProvider({ apiKey: 'sk-direct', baseURL: upstream.url });
    await collect(direct.stream(request('same words'), new AbortController().signal));
    // SDK request logs at `info` are something the direct call would skip: the SDK sends this one.
    vi.spyOn(console, 'info').mockImplementation(() => undefined);
    vi.stubEnv('ANTHROPIC_LOG', 'info');
    const throughSdk = createAnthropicProvider({ apiKey: 'sk-direct', baseURL: upstream.url });
    await collect(throughSdk.stream(request('same words'), new AbortController().signal));

    expect(wireOf(upstream, 0)).toEqual(wireOf(upstream, 1));
    expect(wireOf(upstream, 0).headers['authorization']).toBe('Bearer sk-direct');
    await direct.close?.();
    await throughSdk.close?.();
  });

  it('asks the SDK to build the request once per provider, not once per call', async () => {
    upstream = await createMockUpstream({ respond: () => textTurn('hi') });
    const built = vi.spyOn(AnthropicClient.prototype, 'buildRequest');
    const provider = createAnthropicProvider({ apiKey: 'sk-test', baseURL: upstream.url });
    for (const content of ['one', 'two', 'three']) {
      const events = await collect(provider.stream(request(content), new AbortController().signal));
      expect(events.some((event) => event.type === 'text_delta')).toBe(true);
    }
    expect(upstream.requests).toHaveLength(3);
    expect(built).toHaveBeenCalledTimes(1);
    await provider.close?.();
  });

  it('goes through the SDK, with its span, while a tracer provider is registered', async () => {
    upstream = await createMockUpstream({ respond: () => textTurn('hi') });
    const exporter = new InMemorySpanExporter();
    const tracerProvider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
    trace.setGlobalTracerProvider(tracerProvider);
    try {
      const built = vi.spyOn(AnthropicClient.prototype, 'buildRequest');
      const provider = createAnthropicProvider({ apiKey: 'sk-test', baseURL: upstream.url });
      await collect(provider.stream(request('one'), new AbortController().signal));
      await collect(provider.stream(request('two'), new AbortController().signal));
      // The direct call's template once, then the SDK's own request for each call.
      expect(built).toHaveBeenCalledTimes(3);
      expect(exporter.getFinishedSpans().length).toBeGreaterThanOrEqual(2);
      await provider.close?.();
    } finally {
      trace.disable();
      await tracerProvider.shutdown();
    }
  });

  it('fails a call whose answer does not start within the timeout as a retryable timeout', async () => {
    // An upstream that accepts the request and never answers it.
    silent = createServer(() => undefined);
    await new Promise<void>((resolve) => silent?.listen(0, '127.0.0.1', resolve));
    const { port } = silent.address() as AddressInfo;
    const provider = createAnthropicProvider({
      apiKey: 'sk-test',
      baseURL: `http://127.0.0.1:${port}`,
      timeoutMs: 200,
    });
    const failure = await collect(provider.stream(request(), new AbortController().signal)).catch(
      (error: unknown) => error,
    );
    expect(isGatewayError(failure)).toBe(true);
    expect(failure).toMatchObject({ code: 'provider_error', retryable: true });
    expect(String((failure as Error).message)).toContain('timed out');
    await provider.close?.();
  });
});
