import { describe, expect, it } from 'vitest';
import { createScriptedProvider } from '../testing/scripted-provider.js';
import { httpErrorTurn, textTurn } from '../testing/scripted-turn.js';
import { eventsOfType } from './__fixtures__/fake-tool-executor.js';
import { createRunnerHarness } from './__fixtures__/runner-harness.js';
import { createCircuitBreaker } from './create-circuit-breaker.js';

const ask = { messages: [{ role: 'user' as const, content: 'go' }] };
const noWait = { sleep: () => Promise.resolve() };

/** A primary and a fallback provider, each with its own script and prices. */
const twoProviders = () => ({
  primary: createScriptedProvider({ name: 'anthropic', pricing: { inputPerMTok: 3, outputPerMTok: 15 } }),
  second: createScriptedProvider({ name: 'openai', pricing: { inputPerMTok: 1, outputPerMTok: 2 } }),
});

describe('agent loop: fallback models', () => {
  it('moves an overloaded turn to the next model at once, with one model_fallback event', async () => {
    const { primary, second } = twoProviders();
    primary.enqueue(httpErrorTurn(529, { retryAfterSeconds: 30 }));
    second.enqueue(textTurn('From the fallback.', { usage: { inputTokens: 1_000_000, outputTokens: 0 } }));
    const harness = createRunnerHarness(primary, {
      model: 'claude-main',
      retry: noWait,
      fallback: [{ provider: second, model: 'gpt-backup' }],
    });
    const result = await harness.runner.run(ask);

    expect(harness.types()).toEqual([
      'model_fallback',
      'text_delta',
      'text_delta',
      'text_delta',
      'stream_complete',
    ]);
    expect(eventsOfType(harness.events(), 'model_fallback')).toEqual([
      { type: 'model_fallback', from: 'claude-main', to: 'gpt-backup', reason: 'overloaded' },
    ]);
    expect(harness.text()).toBe('From the fallback.');
    expect(primary.requests).toHaveLength(1);
    expect(second.requests[0]?.model).toBe('gpt-backup');
    expect(result.messages.at(-1)).toMatchObject({ provider: 'openai', model: 'gpt-backup' });
    // Priced at the fallback's rates, and counted under its name.
    expect(result.usage.estimated_cost).toBe(1);
    expect(result.usage.by_model).toEqual({
      'gpt-backup': {
        input_tokens: 1_000_000,
        output_tokens: 0,
        cache_creation_input_tokens: 0,
        cache_read_input_tokens: 0,
        estimated_cost: 1,
      },
    });
    primary.assertAllConsumed();
    second.assertAllConsumed();
  });

  it('does not move a turn whose text already reached the client: it fails as without fallback', async () => {
    const { primary, second } = twoProviders();
    // message_start, then the text's deltas: cut mid-text, every attempt.
    const cut = { blocks: [{ type: 'text' as const, text: 'half an answer' }], cutAfterEvents: 3 };
    primary.enqueue(cut, cut);
    const harness = createRunnerHarness(primary, {
      model: 'claude-main',
      retry: { ...noWait, maxRetries: 1 },
      fallback: [{ provider: second, model: 'gpt-backup' }],
    });
    const result = await harness.runner.run(ask);

    expect(result.outcome).toBe('error');
    expect(eventsOfType(harness.events(), 'model_fallback')).toEqual([]);
    expect(eventsOfType(harness.events(), 'stream_retry')).toHaveLength(1);
    expect(harness.events().at(-1)).toEqual({
      type: 'error',
      error: 'The model provider could not be reached.',
      code: 'upstream_unavailable',
    });
    expect(second.requests).toHaveLength(0);
    primary.assertAllConsumed();
  });

  it('never falls back on a refused request', async () => {
    const { primary, second } = twoProviders();
    primary.enqueue(httpErrorTurn(400, { message: 'bad request' }));
    const harness = createRunnerHarness(primary, {
      model: 'claude-main',
      retry: noWait,
      fallback: [{ provider: second, model: 'gpt-backup' }],
    });
    const result = await harness.runner.run(ask);
    expect(result.errorCode).toBe('upstream_rejected_request');
    expect(harness.types()).toEqual(['error']);
    expect(second.requests).toHaveLength(0);
  });

  it('skips an entry whose `when` does not list the failure', async () => {
    const { primary, second } = twoProviders();
    const third = createScriptedProvider({ name: 'third', turns: [textTurn('third')] });
    primary.enqueue(httpErrorTurn(500));
    const harness = createRunnerHarness(primary, {
      model: 'claude-main',
      retry: noWait,
      fallback: [
        { provider: second, model: 'only-when-overloaded', when: ['overloaded'] },
        { provider: third, model: 'any-failure' },
      ],
    });
    await harness.runner.run(ask);
    expect(eventsOfType(harness.events(), 'model_fallback')).toEqual([
      { type: 'model_fallback', from: 'claude-main', to: 'any-failure', reason: 'server_error' },
    ]);
    expect(second.requests).toHaveLength(0);
    third.assertAllConsumed();
  });

  it('reports every model tried when the whole chain fails; the last one is retried as usual', async () => {
    const { primary, second } = twoProviders();
    const third = createScriptedProvider({ name: 'third' });
    primary.enqueue(httpErrorTurn(529));
    second.enqueue(httpErrorTurn(500));
    third.enqueue(httpErrorTurn(429), httpErrorTurn(429));
    const harness = createRunnerHarness(primary, {
      model: 'claude-main',
      retry: { ...noWait, maxRetries: 1 },
      fallback: [
        { provider: second, model: 'gpt-backup' },
        { provider: third, model: 'third-model' },
      ],
    });
    const result = await harness.runner.run(ask);

    expect(harness.types()).toEqual(['model_fallback', 'model_fallback', 'stream_retry', 'error']);
    expect(harness.events().at(-1)).toEqual({
      type: 'error',
      error: 'The model provider is limiting requests; try again later.',
      code: 'upstream_rate_limited',
      attempts: [
        { model: 'claude-main', code: 'upstream_overloaded' },
        { model: 'gpt-backup', code: 'upstream_error' },
        { model: 'third-model', code: 'upstream_rate_limited' },
      ],
    });
    expect(result.error).toMatch(/^claude-main: .*529.*; gpt-backup: .*500.*; third-model: .*429/);
    primary.assertAllConsumed();
    second.assertAllConsumed();
    third.assertAllConsumed();
  });
});

describe('agent loop: circuit breaker', () => {
  it('opens after N failures, skips the model during the cool-down, and closes after it', async () => {
    let now = 1_000_000;
    const circuitBreaker = createCircuitBreaker({
      failureThreshold: 2,
      windowMs: 10_000,
      coolDownMs: 30_000,
      now: () => now,
    });
    const { primary, second } = twoProviders();
    // One chat each, sharing the breaker as the chats of one agent do.
    const run = () =>
      createRunnerHarness(primary, {
        model: 'claude-main',
        retry: noWait,
        circuitBreaker,
        fallback: [{ provider: second, model: 'gpt-backup' }],
      });

    // Two failures in a row on the primary: the circuit opens.
    for (let chatIndex = 0; chatIndex < 2; chatIndex += 1) {
      primary.enqueue(httpErrorTurn(529));
      second.enqueue(textTurn('ok'));
      await run().runner.run(ask);
      now += 1_000;
    }
    expect(circuitBreaker.isOpen('anthropic', 'claude-main')).toBe(true);
    expect(circuitBreaker.snapshot()).toEqual([
      { provider: 'anthropic', model: 'claude-main', state: 'open', failures: 2, retryInMs: 29_000 },
    ]);

    // While open, the primary is not even asked.
    second.enqueue(textTurn('ok'));
    const skipped = run();
    await skipped.runner.run(ask);
    expect(primary.requests).toHaveLength(2);
    expect(eventsOfType(skipped.events(), 'model_fallback')).toEqual([
      { type: 'model_fallback', from: 'claude-main', to: 'gpt-backup', reason: 'circuit_open' },
    ]);

    // After the cool-down the primary answers again, and no fallback is announced.
    now += 30_000;
    expect(circuitBreaker.isOpen('anthropic', 'claude-main')).toBe(false);
    primary.enqueue(textTurn('primary is back'));
    const back = run();
    const result = await back.runner.run(ask);
    expect(back.types()).not.toContain('model_fallback');
    expect(result.messages.at(-1)).toMatchObject({ model: 'claude-main' });
    expect(result.usage.by_model).toBeUndefined();
    primary.assertAllConsumed();
    second.assertAllConsumed();
  });

  it('tries the last model of the chain even when its circuit is open', async () => {
    const now = 0;
    const circuitBreaker = createCircuitBreaker({ failureThreshold: 1, now: () => now });
    const primary = createScriptedProvider({
      name: 'anthropic',
      turns: [httpErrorTurn(529), textTurn('still here')],
    });
    const harness = createRunnerHarness(primary, { model: 'claude-main', retry: noWait, circuitBreaker });
    await harness.runner.run(ask);
    expect(circuitBreaker.isOpen('anthropic', 'claude-main')).toBe(true);
    expect(harness.text()).toBe('still here');
    primary.assertAllConsumed();
  });
});
