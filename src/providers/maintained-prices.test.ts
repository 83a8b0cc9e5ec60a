import { calcPrice, findProvider } from '@pydantic/genai-prices';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { TurnUsage } from '../core/provider.js';
import { maintainedCostOf } from './maintained-prices.js';

/** Providers of the table whose models a gateway calls. */
const PROVIDERS = [
  'anthropic',
  'openai',
  'google',
  'mistral',
  'groq',
  'deepseek',
  'x-ai',
  'cohere',
  'perplexity',
  'together',
  'fireworks',
  'aws',
  'azure',
  'openrouter',
  'novita',
  'deepinfra',
  'avian',
];

/** A deterministic spread of usages: small and large, with and without cache tokens. */
const usages: TurnUsage[] = [];
let seed = 7;
const next = (limit: number): number => {
  seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31;
  return seed % limit;
};
for (let index = 0; index < 12; index += 1) {
  const scale = [100, 10_000, 300_000][index % 3] ?? 100;
  usages.push({
    inputTokens: next(scale),
    outputTokens: next(scale / 10 + 1),
    cacheReadTokens: index % 2 === 0 ? next(scale) : 0,
    cacheCreationTokens: index % 4 === 0 ? next(scale / 2 + 1) : 0,
  });
}

const tableCostOf = (provider: string, model: string, usage: TurnUsage): number | undefined =>
  calcPrice(
    {
      input_tokens: usage.inputTokens + usage.cacheReadTokens + usage.cacheCreationTokens,
      cache_read_tokens: usage.cacheReadTokens,
      cache_write_tokens: usage.cacheCreationTokens,
      output_tokens: usage.outputTokens,
    },
    model,
    { providerId: provider },
  )?.total_price;

describe('maintainedCostOf', () => {
  it('prices every model of the table exactly as the table does, over many usages', () => {
    let compared = 0;
    for (const providerId of PROVIDERS) {
      const provider = findProvider({ providerId });
      if (provider === undefined) continue;
      for (const model of provider.models) {
        for (const usage of usages) {
          expect(maintainedCostOf(providerId, model.id, usage), `${providerId} ${model.id}`).toBe(
            tableCostOf(providerId, model.id, usage),
          );
          compared += 1;
        }
      }
    }
    expect(compared).toBeGreaterThan(500);
  });

  it('prices a cache read at the input rate when the model has no cache-read price, as the table does', () => {
    const usage = { inputTokens: 1_000, outputTokens: 10, cacheReadTokens: 5_000, cacheCreationTokens: 0 };
    expect(maintainedCostOf('anthropic', 'claude-sonnet-4-6', usage)).toBe(
      tableCostOf('anthropic', 'claude-sonnet-4-6', usage),
    );
    expect(maintainedCostOf('anthropic', 'claude-sonnet-4-6', usage)).toBeGreaterThan(0);
  });

  it('answers undefined for a model the table does not price, each time', () => {
    const usage = { inputTokens: 10, outputTokens: 10, cacheReadTokens: 0, cacheCreationTokens: 0 };
    expect(maintainedCostOf('anthropic', 'no-such-model-anywhere', usage)).toBeUndefined();
    expect(maintainedCostOf('anthropic', 'no-such-model-anywhere', usage)).toBeUndefined();
  });

  it('prices a router-style name by its base name', () => {
    const usage = { inputTokens: 100, outputTokens: 100, cacheReadTokens: 0, cacheCreationTokens: 0 };
    expect(maintainedCostOf('openai', 'openai/gpt-4o', usage)).toBe(tableCostOf('openai', 'gpt-4o', usage));
  });

  describe("across a date where the table changes a model's prices", () => {
    afterEach(() => {
      vi.useRealTimers();
    });

    it('prices by the old prices before the date and by the new ones from it', async () => {
      // claude-sonnet-4-6: long-context tiers until 2026-03-13, one price for any size from then.
      vi.resetModules();
      const fresh = await import('./maintained-prices.js');
      const long = { inputTokens: 250_000, outputTokens: 1_000, cacheReadTokens: 0, cacheCreationTokens: 0 };
      vi.useFakeTimers({ toFake: ['Date'] });
      vi.setSystemTime(new Date('2026-03-12T23:59:59Z'));
      const before = fresh.maintainedCostOf('anthropic', 'claude-sonnet-4-6', long);
      expect(before).toBe(tableCostOf('anthropic', 'claude-sonnet-4-6', long));
      vi.setSystemTime(new Date('2026-03-13T00:00:00Z'));
      const after = fresh.maintainedCostOf('anthropic', 'claude-sonnet-4-6', long);
      expect(after).toBe(tableCostOf('anthropic', 'claude-sonnet-4-6', long));
      expect(after).not.toBe(before);
    });
  });
});
