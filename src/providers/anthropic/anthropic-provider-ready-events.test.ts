import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { ProviderEvent, ProviderEventIterator, ProviderRequest } from '../../core/provider.js';
import { createMockUpstream, type MockUpstream } from '../../testing/mock-upstream/mock-upstream.js';
import type { ScriptedResponse } from '../../testing/scripted-turn.js';
import { createAnthropicProvider } from './anthropic-provider.js';

const request: ProviderRequest = {
  model: 'claude-sonnet-4-6',
  system: undefined,
  messages: [{ role: 'user', content: 'hello' }],
  tools: [],
  maxTokens: 1024,
  thinking: 'none',
};

const turn: ScriptedResponse = {
  blocks: [
    { type: 'text', text: 'Let me check the weather for you.' },
    { type: 'tool_call', id: 'toolu_1', name: 'weather', input: { city: 'Paris' } },
  ],
  usage: { inputTokens: 4, outputTokens: 7 },
};

/** Reads a stream as `AttemptReader` does: `next()`, then what `takeReady` holds, in turn. */
const readWithTakeReady = async (
  iterator: ProviderEventIterator,
): Promise<{ events: ProviderEvent[]; taken: number }> => {
  const events: ProviderEvent[] = [];
  let taken = 0;
  for (;;) {
    const next = await iterator.next();
    if (next.done === true) return { events, taken };
    events.push(next.value);
    for (let event = iterator.takeReady?.(); event !== undefined; event = iterator.takeReady?.()) {
      events.push(event);
      taken += 1;
    }
  }
};

/**
 * Reads a stream as `AttemptReader` does with a provider that tells of its reads: `next()`
 * for the first event, then `takeReady` on each read `whenReady` tells of, `next()` when it
 * cannot tell. Returns the events and how many reads were told of.
 */
const readAsTold = (iterator: ProviderEventIterator): Promise<{ events: ProviderEvent[]; told: number }> =>
  new Promise((resolve, reject) => {
    const events: ProviderEvent[] = [];
    let told = 0;
    const takeAll = (): void => {
      for (let event = iterator.takeReady?.(); event !== undefined; event = iterator.takeReady?.()) {
        events.push(event);
      }
      if (iterator.whenReady?.(onRead) === true) return;
      iterator.next().then((next) => {
        if (next.done === true) resolve({ events, told });
        else {
          events.push(next.value);
          takeAll();
        }
      }, reject);
    };
    const onRead = (): void => {
      told += 1;
      takeAll();
    };
    takeAll();
  });

let upstream: MockUpstream | undefined;

beforeEach(() => {
  for (const name of ['ANTHROPIC_API_KEY', 'ANTHROPIC_AUTH_TOKEN', 'ANTHROPIC_BASE_URL'])
    vi.stubEnv(name, '');
});

afterEach(async () => {
  vi.unstubAllEnvs();
  await upstream?.close();
  upstream = undefined;
});

describe('createAnthropicProvider: the events of a read (lean transport)', () => {
  it('hands over the events that came with the one yielded, the same events in the same order', async () => {
    const mock = await createMockUpstream();
    upstream = mock;
    mock.enqueue('anthropic', turn, turn);
    const provider = createAnthropicProvider({ transport: 'lean', apiKey: 'sk-test', baseURL: mock.url });

    const iterated: ProviderEvent[] = [];
    for await (const event of provider.stream(request, new AbortController().signal)) iterated.push(event);
    const stream = provider.stream(request, new AbortController().signal);
    const { events, taken } = await readWithTakeReady(stream[Symbol.asyncIterator]());

    expect(events).toEqual(iterated);
    expect(events.at(-1)).toEqual({ type: 'message_end', stopReason: 'tool_use' });
    // The mock writes a turn at once: most of its events come with the first one read.
    expect(taken).toBeGreaterThan(0);
    mock.assertAllConsumed();
    await provider.close?.();
  });

  it('holds nothing to hand over before the first event nor after the end', async () => {
    const mock = await createMockUpstream();
    upstream = mock;
    mock.enqueue('anthropic', turn);
    const provider = createAnthropicProvider({ transport: 'lean', apiKey: 'sk-test', baseURL: mock.url });
    const stream = provider.stream(request, new AbortController().signal);
    const iterator: ProviderEventIterator = stream[Symbol.asyncIterator]();
    expect(iterator.takeReady?.()).toBeUndefined();
    await readWithTakeReady(iterator);
    expect(iterator.takeReady?.()).toBeUndefined();
    await provider.close?.();
  });

  it('tells of each read of a paced body, the same events in the same order', async () => {
    const mock = await createMockUpstream();
    upstream = mock;
    const paced = { ...turn, eventDelayMs: 5 };
    mock.enqueue('anthropic', paced, paced);
    const provider = createAnthropicProvider({ transport: 'lean', apiKey: 'sk-test', baseURL: mock.url });

    const iterated: ProviderEvent[] = [];
    for await (const event of provider.stream(request, new AbortController().signal)) iterated.push(event);
    const stream = provider.stream(request, new AbortController().signal);
    const { events, told } = await readAsTold(stream[Symbol.asyncIterator]());

    expect(events).toEqual(iterated);
    expect(events.at(-1)).toEqual({ type: 'message_end', stopReason: 'tool_use' });
    // Paced, the events come in many reads: all but the first are told of.
    expect(told).toBeGreaterThan(3);
    mock.assertAllConsumed();
    await provider.close?.();
  });
});
