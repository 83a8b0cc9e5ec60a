import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { ProviderError, isGatewayError } from '../../core/errors.js';
import type { Provider, ProviderEvent, ProviderRequest } from '../../core/provider.js';
import { createMockUpstream, type MockUpstream } from '../../testing/mock-upstream/mock-upstream.js';
import { httpErrorTurn, textTurn, type ScriptedTurn } from '../../testing/scripted-turn.js';
import { createAnthropicProvider } from './anthropic-provider.js';
import type { ProviderTransport } from '../http-provider-options.js';

/** Every wire-format test runs through both transports. */
const TRANSPORTS = ['lean', 'sdk'] as const;
let transport: ProviderTransport = 'lean';

const request: ProviderRequest = {
  model: 'claude-sonnet-4-6',
  system: 'sys',
  messages: [{ role: 'user', content: 'hello' }],
  tools: [],
  maxTokens: 1024,
  thinking: 'none',
};

/** Drains a stream and returns what it threw (undefined when it completed). */
const failureOf = async (events: AsyncIterable<ProviderEvent>): Promise<unknown> => {
  try {
    for await (const _event of events) {
      // drain
    }
  } catch (error) {
    return error;
  }
  return undefined;
};

const asProviderError = (error: unknown): ProviderError => {
  expect(error).toBeInstanceOf(ProviderError);
  return error as ProviderError;
};

let upstream: MockUpstream | undefined;
let provider: Provider | undefined;

const setUp = async (...turns: ScriptedTurn[]): Promise<{ mock: MockUpstream; anthropic: Provider }> => {
  const mock = await createMockUpstream({ anthropic: turns });
  upstream = mock;
  const anthropic = createAnthropicProvider({
    transport,
    apiKey: 'sk-test',
    baseURL: mock.url,
    timeoutMs: 5_000,
  });
  provider = anthropic;
  return { mock, anthropic };
};

beforeEach(() => {
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
  await provider?.close?.();
  await upstream?.close();
  provider = undefined;
  upstream = undefined;
});

describe.each(TRANSPORTS)('Anthropic provider failures (%s transport)', (current) => {
  beforeEach(() => {
    transport = current;
  });
  it('makes a 429 retryable with the delay from retry-after, after exactly one request', async () => {
    const { mock, anthropic } = await setUp(httpErrorTurn(429, { retryAfterSeconds: 2 }));

    const error = asProviderError(await failureOf(anthropic.stream(request, new AbortController().signal)));

    expect(error.retryable).toBe(true);
    expect(error.status).toBe(429);
    expect(error.retryAfterMs).toBe(2000);
    // No hidden SDK retries: the agent loop owns retrying and announces each attempt.
    expect(mock.requests).toHaveLength(1);
  });

  it.each([529, 500])('makes HTTP %i retryable, after exactly one request', async (status) => {
    const { mock, anthropic } = await setUp(httpErrorTurn(status));

    const error = asProviderError(await failureOf(anthropic.stream(request, new AbortController().signal)));

    expect(error.retryable).toBe(true);
    expect(error.status).toBe(status);
    expect(mock.requests).toHaveLength(1);
  });

  it('makes a 400 not retryable', async () => {
    const { mock, anthropic } = await setUp(httpErrorTurn(400, { message: 'messages: field required' }));

    const error = asProviderError(await failureOf(anthropic.stream(request, new AbortController().signal)));

    expect(error.retryable).toBe(false);
    expect(error.status).toBe(400);
    expect(error.message).toContain('messages: field required');
    expect(mock.requests).toHaveLength(1);
  });

  it('makes a stream cut mid-way retryable', async () => {
    const { mock, anthropic } = await setUp(textTurn('this answer will be cut short', { cutAfterEvents: 5 }));
    const seen: ProviderEvent[] = [];
    const events = (async function* () {
      for await (const event of anthropic.stream(request, new AbortController().signal)) {
        seen.push(event);
        yield event;
      }
    })();

    const error = asProviderError(await failureOf(events));

    expect(error.retryable).toBe(true);
    expect(seen.some((event) => event.type === 'message_end')).toBe(false);
    expect(mock.requests).toHaveLength(1);
  });

  it('cancels the HTTP request when the signal aborts mid-stream and rejects with aborted', async () => {
    const { mock, anthropic } = await setUp(textTurn('one two three four five', { stallAfterEvents: 5 }));
    const controller = new AbortController();
    const iterator = anthropic.stream(request, controller.signal)[Symbol.asyncIterator]();

    let next = await iterator.next();
    while (!next.done && next.value.type !== 'text_delta') next = await iterator.next();
    expect(next.done).toBe(false);
    controller.abort();
    let thrown: unknown;
    try {
      while (!(await iterator.next()).done) {
        // the stalled stream must not produce more events
      }
    } catch (error) {
      thrown = error;
    }

    expect(isGatewayError(thrown, 'aborted')).toBe(true);
    expect(thrown).not.toBeInstanceOf(ProviderError);
    const aborted = await mock.waitForClientAbort(AbortSignal.timeout(5_000));
    expect(aborted.clientAborted).toBe(true);
    expect(mock.requests).toHaveLength(1);
  });

  it('rejects with aborted and sends nothing when the signal is already aborted', async () => {
    const { mock, anthropic } = await setUp();
    const controller = new AbortController();
    controller.abort();

    const error = await failureOf(anthropic.stream(request, controller.signal));

    expect(isGatewayError(error, 'aborted')).toBe(true);
    expect(mock.requests).toHaveLength(0);
  });

  it('fails without a request when no credential is configured', async () => {
    const mock = await createMockUpstream();
    upstream = mock;
    const anthropic = createAnthropicProvider({ transport, baseURL: mock.url });

    const error = asProviderError(await failureOf(anthropic.stream(request, new AbortController().signal)));

    expect(error.retryable).toBe(false);
    expect(error.message).toContain('ANTHROPIC_API_KEY');
    expect(mock.requests).toHaveLength(0);
  });

  it('fails without a request for a model the Anthropic API would not know', async () => {
    const anthropic = createAnthropicProvider({ apiKey: 'sk' });

    const error = asProviderError(
      await failureOf(anthropic.stream({ ...request, model: 'gpt-4o' }, new AbortController().signal)),
    );

    expect(error.retryable).toBe(false);
    expect(isGatewayError(error.cause, 'unknown_model')).toBe(true);
  });

  it('aborts in-flight streams on close, refuses new ones, and closes twice safely', async () => {
    const { mock, anthropic } = await setUp(textTurn('one two three four five', { stallAfterEvents: 5 }));
    const iterator = anthropic.stream(request, new AbortController().signal)[Symbol.asyncIterator]();
    let next = await iterator.next();
    while (!next.done && next.value.type !== 'text_delta') next = await iterator.next();

    await anthropic.close?.();
    await anthropic.close?.();
    let thrown: unknown;
    try {
      while (!(await iterator.next()).done) {
        // drain
      }
    } catch (error) {
      thrown = error;
    }

    expect(isGatewayError(thrown, 'aborted')).toBe(true);
    await mock.waitForClientAbort(AbortSignal.timeout(5_000));
    const afterClose = asProviderError(
      await failureOf(anthropic.stream(request, new AbortController().signal)),
    );
    expect(afterClose.retryable).toBe(false);
    expect(mock.requests).toHaveLength(1);
  });

  it('aborts a call in flight on close once the direct call is known, reading its body or waiting for it', async () => {
    const { mock, anthropic } = await setUp(
      textTurn('first'),
      textTurn('one two three four five', { stallAfterEvents: 5 }),
      textTurn('never sent', { stallAfterEvents: 0 }),
    );
    // The first call settles whether calls go directly (over the lean transport) or through the SDK.
    expect(await failureOf(anthropic.stream(request, new AbortController().signal))).toBeUndefined();
    const reading = anthropic.stream(request, new AbortController().signal)[Symbol.asyncIterator]();
    let next = await reading.next();
    while (!next.done && next.value.type !== 'text_delta') next = await reading.next();
    const waiting = failureOf(anthropic.stream(request, new AbortController().signal));
    while (mock.requests.length < 3) await new Promise((resolve) => setTimeout(resolve, 5));

    await anthropic.close?.();

    expect(isGatewayError(await failureOf({ [Symbol.asyncIterator]: () => reading }), 'aborted')).toBe(true);
    expect(isGatewayError(await waiting, 'aborted')).toBe(true);
    expect(mock.requests).toHaveLength(3);
  });
});
