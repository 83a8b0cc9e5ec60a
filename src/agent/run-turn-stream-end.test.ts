import { afterEach, describe, expect, it, vi } from 'vitest';
import type { Provider, ProviderEvent } from '../core/provider.js';
import { runTurn, STREAM_END_GRACE_MS, type RunTurnOptions } from './run-turn.js';

/** What the provider's stream saw after `message_end`. */
interface StreamEnd {
  /** Whether the attempt's signal was aborted (the upstream request cancelled). */
  aborted: () => boolean;
  /** Whether the stream's generator ran to its end or was closed. */
  finished: () => boolean;
  /** Lets the stream end (its body's last bytes arrive). */
  end: () => void;
  provider: Provider;
}

/** A provider whose stream answers one text turn, then ends only once `end()` is called. */
function slowEndingProvider(extra: ProviderEvent[] = []): StreamEnd {
  let signalSeen: AbortSignal | undefined;
  let finished = false;
  let release: (() => void) | undefined;
  const gate = new Promise<void>((resolve) => (release = resolve));
  const provider: Provider = {
    name: 'slow-end',
    hasCredential: () => true,
    getModelInfo: () =>
      ({ contextWindow: 1_000, maxOutputTokens: 100 }) as ReturnType<Provider['getModelInfo']>,
    async *stream(_request, signal) {
      signalSeen = signal;
      try {
        yield { type: 'message_start' };
        yield { type: 'text_delta', text: 'hi' };
        yield { type: 'block_end', block: { type: 'text', text: 'hi' } };
        yield { type: 'message_end', stopReason: 'end_turn' };
        await new Promise<void>((resolve) => {
          void gate.then(resolve);
          signal.addEventListener('abort', () => resolve(), { once: true });
        });
        yield* extra;
      } finally {
        finished = true;
      }
    },
  };
  return {
    aborted: () => signalSeen?.aborted === true,
    finished: () => finished,
    end: () => release?.(),
    provider,
  };
}

const optionsFor = (provider: Provider, signal: AbortSignal): RunTurnOptions => ({
  provider,
  request: {
    model: 'm',
    system: '',
    messages: [],
    tools: [],
    maxTokens: 100,
  } as unknown as RunTurnOptions['request'],
  emit: () => undefined,
  signal,
  streamStallTimeoutMs: 60_000,
  turnTimeoutMs: 600_000,
  retry: { maxRetries: 0, baseDelayMs: 1, maxRetryAfterMs: 1, sleep: () => Promise.resolve() },
});

afterEach(() => {
  vi.useRealTimers();
});

describe('runTurn: the end of a completed stream', () => {
  it('completes the turn at message_end without waiting for the stream to end', async () => {
    const stream = slowEndingProvider();
    const result = await runTurn(optionsFor(stream.provider, new AbortController().signal));
    expect(result.status).toBe('completed');
    expect(stream.finished()).toBe(false);
    stream.end();
  });

  it('lets a stream that ends a moment after message_end end by itself, uncancelled', async () => {
    vi.useFakeTimers();
    const stream = slowEndingProvider();
    const result = await runTurn(optionsFor(stream.provider, new AbortController().signal));
    expect(result.status).toBe('completed');
    await vi.advanceTimersByTimeAsync(STREAM_END_GRACE_MS / 2);
    stream.end();
    await vi.advanceTimersByTimeAsync(0);
    expect(stream.finished()).toBe(true);
    expect(stream.aborted()).toBe(false);
    await vi.advanceTimersByTimeAsync(STREAM_END_GRACE_MS);
    expect(stream.aborted()).toBe(false);
  });

  it('cancels a stream that has not ended within the grace', async () => {
    vi.useFakeTimers();
    const stream = slowEndingProvider();
    await runTurn(optionsFor(stream.provider, new AbortController().signal));
    await vi.advanceTimersByTimeAsync(STREAM_END_GRACE_MS - 1);
    expect(stream.aborted()).toBe(false);
    await vi.advanceTimersByTimeAsync(1);
    expect(stream.aborted()).toBe(true);
    await vi.advanceTimersByTimeAsync(0);
    expect(stream.finished()).toBe(true);
  });

  it('cancels a stream that has more to say after message_end', async () => {
    const stream = slowEndingProvider([{ type: 'text_delta', text: 'late' }]);
    await runTurn(optionsFor(stream.provider, new AbortController().signal));
    stream.end();
    await vi.waitFor(() => expect(stream.aborted()).toBe(true));
  });

  it('cancels a draining stream when its run is cancelled', async () => {
    const stream = slowEndingProvider();
    const run = new AbortController();
    await runTurn(optionsFor(stream.provider, run.signal));
    expect(stream.aborted()).toBe(false);
    run.abort();
    expect(stream.aborted()).toBe(true);
    await vi.waitFor(() => expect(stream.finished()).toBe(true));
  });
});
