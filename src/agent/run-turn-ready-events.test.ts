import { afterEach, describe, expect, it, vi } from 'vitest';
import type { GatewayEvent } from '../core/events.js';
import type { Provider, ProviderEvent, ProviderEventIterator } from '../core/provider.js';
import { runTurn, type RunTurnOptions, type TurnResult } from './run-turn.js';

/** A provider stream, read as a provider reading a socket does: batches of events, each a read. */
interface BatchedStream {
  provider: Provider;
  /** `next()` calls the turn made (each a generator step), and events taken with `takeReady`. */
  nexts: () => number;
  taken: () => number;
}

/**
 * A provider whose iterator yields the first event of each batch through `next()` and hands
 * the rest over through `takeReady`, as the Anthropic provider does with the events of a read.
 */
function batchedProvider(batches: ProviderEvent[][]): BatchedStream {
  let nexts = 0;
  let taken = 0;
  const provider: Provider = {
    name: 'batched',
    hasCredential: () => true,
    getModelInfo: () =>
      ({ contextWindow: 1_000, maxOutputTokens: 100 }) as ReturnType<Provider['getModelInfo']>,
    stream() {
      let held: ProviderEvent[] = [];
      let batch = 0;
      const iterator: ProviderEventIterator & AsyncIterable<ProviderEvent> = {
        [Symbol.asyncIterator]: () => iterator,
        async next() {
          nexts += 1;
          await Promise.resolve();
          if (held.length === 0) held = [...(batches[batch] ?? [])];
          batch += 1;
          const value = held.shift();
          return value === undefined ? { done: true, value: undefined } : { done: false, value };
        },
        takeReady() {
          const value = held.shift();
          if (value !== undefined) taken += 1;
          return value;
        },
      };
      return iterator;
    },
  };
  return { provider, nexts: () => nexts, taken: () => taken };
}

/** A provider stream that reads a socket: the test delivers each read (`read`), as its data event would. */
interface PushedStream {
  provider: Provider;
  /** One read of the socket: its events (maybe none) are handed over at once. */
  read: (events: ProviderEvent[]) => void;
  nexts: () => number;
  /** Whether the turn waits to be told of the next read. */
  waiting: () => boolean;
}

/** A provider whose iterator yields its first event through `next()`, then tells of each read (`whenReady`). */
function pushingProvider(first: ProviderEvent): PushedStream {
  let nexts = 0;
  const held: ProviderEvent[] = [];
  let wake: (() => void) | undefined;
  const provider: Provider = {
    name: 'pushing',
    hasCredential: () => true,
    getModelInfo: () =>
      ({ contextWindow: 1_000, maxOutputTokens: 100 }) as ReturnType<Provider['getModelInfo']>,
    stream() {
      let started = false;
      const iterator: ProviderEventIterator & AsyncIterable<ProviderEvent> = {
        [Symbol.asyncIterator]: () => iterator,
        async next() {
          nexts += 1;
          await Promise.resolve();
          if (!started) {
            started = true;
            return { done: false, value: first };
          }
          const value = held.shift();
          return value === undefined ? { done: true, value: undefined } : { done: false, value };
        },
        takeReady: () => held.shift(),
        whenReady(callback) {
          if (held.length > 0) return false;
          wake = callback;
          return true;
        },
      };
      return iterator;
    },
  };
  return {
    provider,
    read: (events) => {
      held.push(...events);
      const callback = wake;
      wake = undefined;
      callback?.();
    },
    nexts: () => nexts,
    waiting: () => wake !== undefined,
  };
}

const optionsFor = (provider: Provider, signal: AbortSignal, emitted: GatewayEvent[]): RunTurnOptions => ({
  provider,
  request: {
    model: 'm',
    system: '',
    messages: [],
    tools: [],
    maxTokens: 100,
  } as unknown as RunTurnOptions['request'],
  emit: (event) => emitted.push(event),
  signal,
  streamStallTimeoutMs: 60_000,
  turnTimeoutMs: 600_000,
  retry: { maxRetries: 0, baseDelayMs: 1, maxRetryAfterMs: 1, sleep: () => Promise.resolve() },
});

const delta = (text: string): ProviderEvent => ({ type: 'text_delta', text });

afterEach(() => {
  vi.useRealTimers();
});

describe('runTurn: events a provider already holds (takeReady)', () => {
  it('handles the events of a batch in order with one next() per batch', async () => {
    const stream = batchedProvider([
      [{ type: 'message_start' }, delta('a'), delta('b')],
      [delta('c')],
      [
        delta('d'),
        { type: 'block_end', block: { type: 'text', text: 'abcd' } },
        {
          type: 'usage',
          usage: { inputTokens: 1, outputTokens: 2, cacheReadTokens: 0, cacheCreationTokens: 0 },
        },
        { type: 'message_end', stopReason: 'end_turn' },
      ],
    ]);
    const emitted: GatewayEvent[] = [];
    const result = await runTurn(optionsFor(stream.provider, new AbortController().signal, emitted));
    expect(result).toEqual({
      status: 'completed',
      blocks: [{ type: 'text', text: 'abcd' }],
      toolCalls: [],
      stopReason: 'end_turn',
      usage: { inputTokens: 1, outputTokens: 2, cacheReadTokens: 0, cacheCreationTokens: 0 },
    });
    expect(emitted).toEqual([delta('a'), delta('b'), delta('c'), delta('d')]);
    // One next() per batch, and the one that lets the stream end after message_end.
    expect(stream.nexts()).toBe(4);
    expect(stream.taken()).toBe(5);
  });

  it('stops taking held events once the run is cancelled by one of them', async () => {
    const stream = batchedProvider([[{ type: 'message_start' }, delta('a'), delta('b'), delta('c')]]);
    const run = new AbortController();
    const emitted: GatewayEvent[] = [];
    const options = optionsFor(stream.provider, run.signal, emitted);
    options.emit = (event) => {
      emitted.push(event);
      // The client went away while the first delta was being sent.
      run.abort();
    };
    const result = await runTurn(options);
    expect(result).toMatchObject({ status: 'aborted', partialText: 'a' });
    expect(emitted).toEqual([delta('a')]);
  });

  it('handles each read of a provider that tells of its reads as it happens, with no next() after the first', async () => {
    const stream = pushingProvider({ type: 'message_start' });
    const emitted: GatewayEvent[] = [];
    const turn = runTurn(optionsFor(stream.provider, new AbortController().signal, emitted));
    await vi.waitFor(() => expect(stream.waiting()).toBe(true));
    stream.read([delta('a'), delta('b')]);
    // Handled within the read itself.
    expect(emitted).toEqual([delta('a'), delta('b')]);
    stream.read([]);
    stream.read([delta('c')]);
    expect(emitted).toEqual([delta('a'), delta('b'), delta('c')]);
    expect(stream.nexts()).toBe(1);
    stream.read([
      { type: 'block_end', block: { type: 'text', text: 'abc' } },
      { type: 'message_end', stopReason: 'end_turn' },
    ]);
    const result = await turn;
    expect(result).toMatchObject({ status: 'completed', blocks: [{ type: 'text', text: 'abc' }] });
  });

  it('counts only reads with events against the stall watchdog', async () => {
    vi.useFakeTimers();
    const stream = pushingProvider({ type: 'message_start' });
    const options = optionsFor(stream.provider, new AbortController().signal, []);
    options.streamStallTimeoutMs = 1_000;
    let result: TurnResult | undefined;
    void runTurn(options).then((settled) => (result = settled));
    await vi.advanceTimersByTimeAsync(0);
    expect(stream.waiting()).toBe(true);
    await vi.advanceTimersByTimeAsync(600);
    stream.read([delta('a')]);
    await vi.advanceTimersByTimeAsync(600);
    // 1.2 s after the first event, 0.6 s after the last one: not stalled.
    expect(result).toBeUndefined();
    stream.read([]);
    await vi.advanceTimersByTimeAsync(600);
    // Only an empty read in the last 1.2 s: stalled.
    expect(result).toMatchObject({ status: 'failed', code: 'upstream_stalled' });
  });
});
