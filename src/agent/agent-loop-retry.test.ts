import { getEventListeners } from 'node:events';
import { describe, expect, it } from 'vitest';
import type { Provider, ProviderEvent } from '../core/provider.js';
import { createScriptedProvider } from '../testing/scripted-provider.js';
import { httpErrorTurn, textTurn } from '../testing/scripted-turn.js';
import { eventsOfType } from './__fixtures__/fake-tool-executor.js';
import { createRunnerHarness } from './__fixtures__/runner-harness.js';

const ask = { messages: [{ role: 'user' as const, content: 'go' }] };
const pricing = { inputPerMTok: 1, outputPerMTok: 1, cacheReadPerMTok: 1, cacheWritePerMTok: 1 };

/** A sleep that records the delays asked for and returns at once. */
const recordingSleep = () => {
  const delays: number[] = [];
  return { delays, sleep: (milliseconds: number) => (delays.push(milliseconds), Promise.resolve()) };
};

/** Text after the last stream_retry: what a reader keeps. */
const keptText = (events: ReturnType<ReturnType<typeof createRunnerHarness>['events']>): string => {
  const lastRetry = events.map((event) => event.type).lastIndexOf('stream_retry');
  return events
    .slice(lastRetry + 1)
    .flatMap((event) => (event.type === 'text_delta' ? [event.text] : []))
    .join('');
};

const activeTimeouts = (): number =>
  process.getActiveResourcesInfo().filter((kind) => kind === 'Timeout').length;

describe('agent loop: retries', () => {
  it('retries a cut stream, announces it, and counts only the successful attempt’s usage', async () => {
    // 7 events: message_start, 3 deltas, block_end, usage, message_end → cut before message_end.
    const provider = createScriptedProvider({
      pricing,
      turns: [
        {
          blocks: [{ type: 'text', text: 'partial answer here' }],
          usage: { inputTokens: 999 },
          cutAfterEvents: 6,
        },
        textTurn('Full answer.', { usage: { inputTokens: 10, outputTokens: 5 } }),
      ],
    });
    const { delays, sleep } = recordingSleep();
    const harness = createRunnerHarness(provider, { retry: { sleep } });
    const result = await harness.runner.run(ask);

    expect(eventsOfType(harness.events(), 'stream_retry')).toEqual([
      {
        type: 'stream_retry',
        attempt: 0,
        error: 'The model provider could not be reached.',
        code: 'upstream_unavailable',
      },
    ]);
    expect(harness.text()).toBe('partial answer hereFull answer.');
    expect(keptText(harness.events())).toBe('Full answer.');
    expect(delays).toEqual([0]);
    expect(result.usage).toMatchObject({ input_tokens: 10, output_tokens: 5 });
    expect(result.messages.at(-1)?.content).toEqual([{ type: 'text', text: 'Full answer.' }]);
    expect(harness.events().at(-1)?.type).toBe('stream_complete');
    expect(provider.signals[0]?.aborted).toBe(true);
    provider.assertAllConsumed();
  });

  it('backs off 2 s, 4 s, 8 s by default', async () => {
    const provider = createScriptedProvider({
      turns: [httpErrorTurn(500), httpErrorTurn(529), httpErrorTurn(503), textTurn('ok')],
    });
    const { delays, sleep } = recordingSleep();
    const harness = createRunnerHarness(provider, { retry: { sleep, baseDelayMs: 2000 } });
    await harness.runner.run(ask);
    expect(delays).toEqual([2000, 4000, 8000]);
    expect(eventsOfType(harness.events(), 'stream_retry').map((event) => event.attempt)).toEqual([0, 1, 2]);
    expect(harness.events().at(-1)?.type).toBe('stream_complete');
  });

  it('waits at least the retry-after the server asked for, capped', async () => {
    const provider = createScriptedProvider({
      turns: [
        httpErrorTurn(429, { retryAfterSeconds: 7 }),
        httpErrorTurn(429, { retryAfterSeconds: 3600 }),
        httpErrorTurn(429, { retryAfterSeconds: 1 }),
        textTurn('ok'),
      ],
    });
    const { delays, sleep } = recordingSleep();
    const harness = createRunnerHarness(provider, {
      retry: { sleep, baseDelayMs: 2000, maxRetryAfterMs: 60_000 },
    });
    await harness.runner.run(ask);
    expect(delays).toEqual([7000, 60_000, 8000]);
  });

  it('ends with an error and no stream_complete on a non-retryable failure', async () => {
    const provider = createScriptedProvider({ turns: [httpErrorTurn(400, { message: 'bad request' })] });
    const harness = createRunnerHarness(provider);
    const result = await harness.runner.run(ask);
    expect(harness.events()).toEqual([
      { type: 'error', error: 'The model provider rejected the request.', code: 'upstream_rejected_request' },
    ]);
    // The run result keeps the upstream detail for the log; the client never sees it.
    expect(result).toMatchObject({
      outcome: 'error',
      error: 'scripted API error 400: bad request',
      errorCode: 'upstream_rejected_request',
    });
    provider.assertAllConsumed();
  });

  it('ends with an error once retries are exhausted', async () => {
    const provider = createScriptedProvider({
      turns: [httpErrorTurn(500), httpErrorTurn(500), httpErrorTurn(500)],
    });
    const harness = createRunnerHarness(provider, { retry: { maxRetries: 2 } });
    const result = await harness.runner.run(ask);
    expect(harness.types()).toEqual(['stream_retry', 'stream_retry', 'error']);
    expect(result.outcome).toBe('error');
    provider.assertAllConsumed();
  });

  it('keeps the cause chain of a non-provider failure in the result, not in the event', async () => {
    const provider: Provider = {
      ...createScriptedProvider(),
      stream: () => {
        throw new TypeError('fetch failed', { cause: new Error('connect ECONNREFUSED 127.0.0.1:1') });
      },
    };
    const harness = createRunnerHarness(provider);
    const result = await harness.runner.run(ask);
    expect(harness.events()).toEqual([
      { type: 'error', error: 'The run failed because of an internal error.', code: 'internal_error' },
    ]);
    expect(result.error).toBe('fetch failed | caused by Error: connect ECONNREFUSED 127.0.0.1:1');
  });
});

describe('agent loop: watchdog', () => {
  it('retries a stalled stream, aborting the stalled request', async () => {
    const provider = createScriptedProvider({
      turns: [{ blocks: [{ type: 'text', text: 'never finished' }], stallAfterEvents: 2 }, textTurn('ok')],
    });
    // Generous: the healthy second attempt must never look stalled, even on a loaded machine.
    const harness = createRunnerHarness(provider, { streamStallTimeoutMs: 100 });
    const result = await harness.runner.run(ask);
    expect(eventsOfType(harness.events(), 'stream_retry')).toEqual([
      {
        type: 'stream_retry',
        attempt: 0,
        error: 'Stream watchdog: no stream events for 0.1s',
        code: 'upstream_stalled',
      },
    ]);
    expect(provider.signals[0]?.aborted).toBe(true);
    expect(keptText(harness.events())).toBe('ok');
    expect(result.outcome).toBe('completed');
  });

  it('fails when the last attempt stalls, even if the provider ignores its signal', async () => {
    const hanging: Provider = {
      ...createScriptedProvider(),
      stream: () => ({
        [Symbol.asyncIterator]: () => ({ next: () => new Promise<IteratorResult<ProviderEvent>>(() => {}) }),
      }),
    };
    const harness = createRunnerHarness(hanging, { streamStallTimeoutMs: 20, retry: { maxRetries: 0 } });
    const result = await harness.runner.run(ask);
    expect(harness.events()).toEqual([
      { type: 'error', error: 'Stream watchdog: no stream events for 0.02s', code: 'upstream_stalled' },
    ]);
    expect(result.outcome).toBe('error');
  });

  it('fails a turn that exceeds the turn timeout, without retrying', async () => {
    const provider = createScriptedProvider({
      turns: [{ blocks: [{ type: 'text', text: 'slow' }], stallAfterEvents: 1 }],
    });
    const harness = createRunnerHarness(provider, { turnTimeoutMs: 20, streamStallTimeoutMs: 60_000 });
    const result = await harness.runner.run(ask);
    expect(harness.events()).toEqual([
      {
        type: 'error',
        error: 'Stream watchdog: turn timeout after 0.02s (turnTimeoutMs)',
        code: 'turn_timeout',
      },
    ]);
    expect(result.outcome).toBe('error');
    expect(provider.signals[0]?.aborted).toBe(true);
    provider.assertAllConsumed();
  });
});

describe('agent loop: cancellation', () => {
  it('stops mid-stream: the provider sees the abort and nothing terminal is written', async () => {
    const provider = createScriptedProvider({
      turns: [{ blocks: [{ type: 'text', text: 'one two three' }], stallAfterEvents: 3 }],
    });
    const controller = new AbortController();
    const harness = createRunnerHarness(provider);
    harness.eventLog.onAppend((entry) => {
      if (entry.event.type === 'text_delta') controller.abort();
    });
    const timeoutsBefore = activeTimeouts();
    const result = await harness.runner.run({ ...ask, signal: controller.signal });
    expect(result.outcome).toBe('aborted');
    expect(harness.types()).not.toContain('stream_complete');
    expect(harness.types()).not.toContain('error');
    expect(harness.types()).not.toContain('stream_retry');
    expect(provider.signals[0]?.aborted).toBe(true);
    expect(activeTimeouts()).toBe(timeoutsBefore);
    expect(harness.eventLog.finished).toBe(false);
  });

  it('stops during a retry wait', async () => {
    const provider = createScriptedProvider({ turns: [httpErrorTurn(503)] });
    const controller = new AbortController();
    const harness = createRunnerHarness(provider, { retry: { baseDelayMs: 600_000 } });
    harness.eventLog.onAppend((entry) => {
      if (entry.event.type === 'stream_retry') controller.abort();
    });
    const result = await harness.runner.run({ ...ask, signal: controller.signal });
    expect(result.outcome).toBe('aborted');
    expect(harness.types()).toEqual(['stream_retry']);
    provider.assertAllConsumed();
  });

  it('does nothing for an already aborted signal', async () => {
    const provider = createScriptedProvider();
    const harness = createRunnerHarness(provider);
    const result = await harness.runner.run({ ...ask, signal: AbortSignal.abort() });
    expect(result.outcome).toBe('aborted');
    expect(harness.events()).toEqual([]);
    provider.assertAllConsumed();
  });

  it('leaves no timer and no listener on the caller’s signal after a run', async () => {
    const provider = createScriptedProvider({ turns: [textTurn('done')] });
    const controller = new AbortController();
    const timeoutsBefore = activeTimeouts();
    await createRunnerHarness(provider).runner.run({ ...ask, signal: controller.signal });
    expect(activeTimeouts()).toBe(timeoutsBefore);
    expect(getEventListeners(controller.signal, 'abort')).toHaveLength(0);
  });
});
