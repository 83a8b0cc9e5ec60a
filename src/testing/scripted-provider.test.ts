import { describe, expect, it } from 'vitest';
import { isGatewayError, ProviderError } from '../core/errors.js';
import type { ProviderEvent, ProviderRequest } from '../core/provider.js';
import { createScriptedProvider } from './scripted-provider.js';
import { httpErrorTurn, textTurn, toolCallTurn } from './scripted-turn.js';

const request = (text = 'hi'): ProviderRequest => ({
  model: 'scripted-model',
  system: undefined,
  messages: [{ role: 'user', content: text }],
  tools: [],
  maxTokens: 1000,
  thinking: 'none',
});

const drain = async (events: AsyncIterable<ProviderEvent>): Promise<ProviderEvent[]> => {
  const seen: ProviderEvent[] = [];
  for await (const event of events) seen.push(event);
  return seen;
};

const failureOf = async (events: AsyncIterable<ProviderEvent>): Promise<unknown> => {
  try {
    await drain(events);
  } catch (error) {
    return error;
  }
  throw new Error('expected the stream to fail');
};

describe('createScriptedProvider', () => {
  it('streams text in chunks, then the block, usage and the stop reason', async () => {
    const provider = createScriptedProvider({
      turns: [textTurn('Hello there', { usage: { inputTokens: 5, outputTokens: 2 } })],
    });
    const events = await drain(provider.stream(request(), new AbortController().signal));
    expect(events).toEqual([
      { type: 'message_start' },
      { type: 'text_delta', text: 'Hello ' },
      { type: 'text_delta', text: 'there' },
      { type: 'block_end', block: { type: 'text', text: 'Hello there' } },
      {
        type: 'usage',
        usage: { inputTokens: 5, outputTokens: 2, cacheReadTokens: 0, cacheCreationTokens: 0 },
      },
      { type: 'message_end', stopReason: 'end_turn' },
    ]);
    provider.assertAllConsumed();
  });

  it('streams tool calls with start, JSON delta and the parsed block', async () => {
    const provider = createScriptedProvider({
      turns: [toolCallTurn('search', { q: 'x' }, { id: 'call_1' })],
    });
    const events = await drain(provider.stream(request(), new AbortController().signal));
    expect(events).toContainEqual({ type: 'tool_use_start', id: 'call_1', name: 'search' });
    expect(events).toContainEqual({ type: 'tool_use_delta', id: 'call_1', partialJson: '{"q":"x"}' });
    expect(events).toContainEqual({
      type: 'block_end',
      block: { type: 'tool_use', id: 'call_1', name: 'search', input: { q: 'x' } },
    });
    expect(events.at(-1)).toEqual({ type: 'message_end', stopReason: 'tool_use' });
  });

  it('records a deep copy of each request', async () => {
    const provider = createScriptedProvider({ turns: [textTurn('a')] });
    const sent = request('original');
    await drain(provider.stream(sent, new AbortController().signal));
    sent.messages.push({ role: 'assistant', content: 'later' });
    expect(provider.requests).toHaveLength(1);
    expect(provider.requests[0]?.messages).toEqual([{ role: 'user', content: 'original' }]);
  });

  it('throws classified ProviderErrors for HTTP error turns', async () => {
    const provider = createScriptedProvider({
      turns: [httpErrorTurn(429, { retryAfterSeconds: 7 }), httpErrorTurn(400, { message: 'bad' })],
    });
    const rateLimited = await failureOf(provider.stream(request(), new AbortController().signal));
    expect(rateLimited).toBeInstanceOf(ProviderError);
    expect(rateLimited).toMatchObject({ retryable: true, status: 429, retryAfterMs: 7000 });
    const rejected = await failureOf(provider.stream(request(), new AbortController().signal));
    expect(rejected).toMatchObject({ retryable: false, status: 400 });
    expect((rejected as Error).message).toContain('bad');
  });

  it('cuts the stream with a retryable error after N events', async () => {
    const provider = createScriptedProvider({
      turns: [{ blocks: [{ type: 'text', text: 'a b c' }], cutAfterEvents: 2 }],
    });
    const seen: ProviderEvent[] = [];
    let failure: unknown;
    try {
      for await (const event of provider.stream(request(), new AbortController().signal)) seen.push(event);
    } catch (error) {
      failure = error;
    }
    expect(seen).toHaveLength(2);
    expect(failure).toBeInstanceOf(ProviderError);
    expect((failure as ProviderError).retryable).toBe(true);
  });

  it('stalls until the signal aborts, then rejects with aborted', async () => {
    const provider = createScriptedProvider({
      turns: [{ blocks: [{ type: 'text', text: 'a b' }], stallAfterEvents: 1 }],
    });
    const controller = new AbortController();
    const iterator = provider.stream(request(), controller.signal)[Symbol.asyncIterator]();
    expect((await iterator.next()).value).toEqual({ type: 'message_start' });
    const stalled = iterator.next();
    controller.abort();
    const failure = await stalled.then(
      () => undefined,
      (error: unknown) => error,
    );
    expect(isGatewayError(failure, 'aborted')).toBe(true);
  });

  it('fails loudly on a call with no turn left, even if the caller swallows the error', () => {
    const provider = createScriptedProvider();
    let thrown: unknown;
    try {
      provider.stream(request(), new AbortController().signal);
    } catch (error) {
      thrown = error;
    }
    expect(isGatewayError(thrown, 'script_violation')).toBe(true);
    expect(() => provider.assertAllConsumed()).toThrow(/no scripted turn left/);
  });

  it('reports unused turns', () => {
    const provider = createScriptedProvider({ turns: [textTurn('never played')] });
    expect(() => provider.assertAllConsumed()).toThrow(/1 scripted turn\(s\) unused/);
  });

  it('answers model info with overrides and rejects models outside an allow-list', () => {
    const provider = createScriptedProvider({
      models: ['known'],
      pricing: { inputPerMTok: 1 },
      modelInfo: { supportsThinking: false },
      hasCredential: false,
    });
    expect(provider.hasCredential()).toBe(false);
    expect(provider.getModelInfo('known')).toMatchObject({
      id: 'known',
      provider: 'scripted',
      supportsThinking: false,
      pricing: { inputPerMTok: 1, outputPerMTok: 15 },
    });
    expect(() => provider.getModelInfo('other')).toThrow(/unknown model/);
  });
});
