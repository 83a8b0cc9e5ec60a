import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { MAINTAINED_PRICES_VERSION } from '../providers/maintained-prices.js';
import { createPriceResolver } from './price-resolver.js';

const usage = (input: number, output: number, cacheRead = 0, cacheWrite = 0) => ({
  inputTokens: input,
  outputTokens: output,
  cacheReadTokens: cacheRead,
  cacheCreationTokens: cacheWrite,
});

describe('createPriceResolver', () => {
  it('names the installed genai-prices package as the price version', () => {
    const installed: unknown = JSON.parse(
      readFileSync(
        new URL('../../node_modules/@pydantic/genai-prices/package.json', import.meta.url),
        'utf8',
      ),
    );
    expect(MAINTAINED_PRICES_VERSION).toBe(
      `genai-prices@${String(Reflect.get(Object(installed), 'version'))}`,
    );
  });

  it('prices the same usage to the same micro-dollars every time, from usage alone', () => {
    const prices = createPriceResolver();
    const first = prices.costOf('anthropic', 'claude-sonnet-4-5', usage(1_000, 100, 2_000, 500));
    const second = prices.costOf('anthropic', 'claude-sonnet-4-5', usage(1_000, 100, 2_000, 500));
    expect(first).toEqual(second);
    // $3 input, $15 output, $0.30 cache read, $3.75 cache write per million tokens.
    expect(first).toEqual({ microUsd: 3_000 + 1_500 + 600 + 1_875, priceVersion: MAINTAINED_PRICES_VERSION });
  });

  it('prices cache reads and writes at their own rates, not as input', () => {
    const prices = createPriceResolver();
    const read = prices.costOf('anthropic', 'claude-haiku-4-5', usage(0, 0, 1_000_000, 0));
    const written = prices.costOf('anthropic', 'claude-haiku-4-5', usage(0, 0, 0, 1_000_000));
    const uncached = prices.costOf('anthropic', 'claude-haiku-4-5', usage(1_000_000, 0));
    expect([read?.microUsd, written?.microUsd, uncached?.microUsd]).toEqual([100_000, 1_250_000, 1_000_000]);
  });

  it('uses a server.prices override before the maintained table, and says so', () => {
    const prices = createPriceResolver({
      'claude-sonnet-4-5': { inputPerMTokUsd: 1, outputPerMTokUsd: 2, cacheReadPerMTokUsd: 0.5 },
    });
    expect(
      prices.costOf('anthropic', 'claude-sonnet-4-5', usage(1_000_000, 1_000_000, 1_000_000, 1_000_000)),
    ).toEqual({
      microUsd: 1_000_000 + 2_000_000 + 500_000 + 1_000_000,
      priceVersion: 'override',
    });
  });

  it('gives the rates of a server.prices override for model info, cache prices defaulting to input', () => {
    const prices = createPriceResolver({ 'llama3.2': { inputPerMTokUsd: 0.1, outputPerMTokUsd: 0.4 } });
    expect(prices.overrideRatesOf('llama3.2')).toEqual({
      inputPerMTok: 0.1,
      outputPerMTok: 0.4,
      cacheReadPerMTok: 0.1,
      cacheWritePerMTok: 0.1,
    });
    expect(prices.overrideRatesOf('claude-sonnet-4-5')).toBeUndefined();
  });

  it('knows no price for a model the table does not list', () => {
    expect(createPriceResolver().costOf('openai', 'llama3.2', usage(10, 10))).toBeUndefined();
  });

  it('prices a long-context call at the tier the provider bills it', () => {
    const cost = createPriceResolver().costOf('anthropic', 'claude-sonnet-4-5', usage(300_000, 0));
    expect(cost?.microUsd).toBe(1_800_000);
  });
});
