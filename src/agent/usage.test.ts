import { describe, expect, it } from 'vitest';
import { estimateCost, roundCost, UsageTotals } from './usage.js';

const pricing = { inputPerMTok: 3, outputPerMTok: 15, cacheReadPerMTok: 0.3, cacheWritePerMTok: 3.75 };

describe('usage', () => {
  it('prices each kind of token once at its own rate, subtracting nothing', () => {
    const cost = estimateCost(
      {
        inputTokens: 1_000_000,
        outputTokens: 1_000_000,
        cacheReadTokens: 1_000_000,
        cacheCreationTokens: 1_000_000,
      },
      pricing,
    );
    expect(cost).toBeCloseTo(3 + 15 + 0.3 + 3.75, 10);
  });

  it('sums completed turns and reports a wire summary rounded to 4 decimals', () => {
    const totals = new UsageTotals();
    totals.add({ inputTokens: 100, outputTokens: 20, cacheReadTokens: 1000, cacheCreationTokens: 0 });
    totals.add({ inputTokens: 50, outputTokens: 30, cacheReadTokens: 0, cacheCreationTokens: 400 });
    expect(totals.turns).toBe(2);
    expect(totals.toSummary(pricing)).toEqual({
      input_tokens: 150,
      output_tokens: 50,
      cache_read_input_tokens: 1000,
      cache_creation_input_tokens: 400,
      // (150×3 + 50×15 + 1000×0.3 + 400×3.75) / 1e6
      estimated_cost: 0.003,
    });
  });

  it('rounds costs to 4 decimal places', () => {
    expect(roundCost(0.123456)).toBe(0.1235);
    expect(roundCost(0)).toBe(0);
  });
});
