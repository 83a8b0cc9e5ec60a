import { describe, expect, it } from 'vitest';
import { isGatewayError } from '../../core/errors.js';
import { assertAnthropicModel, getAnthropicModelInfo, getAnthropicThinkingMode } from './anthropic-models.js';

const pricesOf = (model: string): number[] => {
  const { pricing } = getAnthropicModelInfo(model);
  return [pricing.inputPerMTok, pricing.outputPerMTok, pricing.cacheReadPerMTok, pricing.cacheWritePerMTok];
};

describe('getAnthropicModelInfo', () => {
  it.each([
    ['claude-opus-4-6', [5, 25, 0.5, 6.25]],
    ['claude-opus-4-5', [5, 25, 0.5, 6.25]],
    ['claude-opus-4-5-20251101', [5, 25, 0.5, 6.25]],
    ['claude-opus-4-1', [15, 75, 1.5, 18.75]],
    ['claude-opus-4-1-20250805', [15, 75, 1.5, 18.75]],
    ['claude-opus-4', [15, 75, 1.5, 18.75]],
    ['claude-opus-4-20250514', [15, 75, 1.5, 18.75]],
    ['claude-sonnet-4-6', [3, 15, 0.3, 3.75]],
    ['claude-sonnet-4-5-20250929', [3, 15, 0.3, 3.75]],
    ['claude-sonnet-4-20250514', [3, 15, 0.3, 3.75]],
    ['claude-haiku-4-5', [1, 5, 0.1, 1.25]],
    ['claude-haiku-4-5-20251001', [1, 5, 0.1, 1.25]],
    ['claude-3-5-haiku-20241022', [0.8, 4, 0.08, 1]],
    ['claude-3-5-haiku-latest', [0.8, 4, 0.08, 1]],
    ['claude-opus-4-1@20250805', [15, 75, 1.5, 18.75]],
  ])('prices %s from the real price table', (model, expected) => {
    expect(pricesOf(model)).toEqual(expected);
  });

  it('prices a newer model by the maintained table, never by a shorter alias it happens to extend', () => {
    expect(pricesOf('claude-opus-4-7')).toEqual([5, 25, 0.5, 6.25]);
    expect(pricesOf('claude-opus-4')).toEqual([15, 75, 1.5, 18.75]);
  });

  it('prices a claude model the maintained table does not know at zero rather than guessing', () => {
    expect(pricesOf('claude-future-9')).toEqual([0, 0, 0, 0]);
  });

  it('rejects models that do not start with claude', () => {
    let thrown: unknown;
    try {
      getAnthropicModelInfo('gpt-4o');
    } catch (error) {
      thrown = error;
    }
    expect(isGatewayError(thrown, 'unknown_model')).toBe(true);
  });

  it('checks a model id as getAnthropicModelInfo does, with the same error', () => {
    expect(() => assertAnthropicModel('claude-sonnet-4-6')).not.toThrow();
    expect(() => assertAnthropicModel('glm-4.6', { allowAnyModel: true })).not.toThrow();
    expect(() => assertAnthropicModel('gpt-4o')).toThrow(
      expect.objectContaining({ name: 'GatewayError', code: 'unknown_model' }),
    );
    expect(() => assertAnthropicModel('gpt-4o')).toThrow(/does not recognize model: "gpt-4o"/);
  });

  it('accepts any model, unpriced and without thinking, when a compatible server is configured', () => {
    const info = getAnthropicModelInfo('glm-4.6', { allowAnyModel: true });
    expect(info.provider).toBe('anthropic');
    expect(info.pricing.inputPerMTok).toBe(0);
    expect(info.supportsThinking).toBe(false);
  });

  it('reports model facts with the id it was asked for', () => {
    const info = getAnthropicModelInfo('claude-sonnet-4-5-20250929');
    expect(info).toMatchObject({
      id: 'claude-sonnet-4-5-20250929',
      provider: 'anthropic',
      contextWindow: 200_000,
      supportsThinking: true,
      supportsVision: true,
      supportsToolUse: true,
    });
  });

  it('returns a fresh pricing object each time, so callers cannot corrupt the table', () => {
    getAnthropicModelInfo('claude-sonnet-4-6').pricing.inputPerMTok = 999;
    expect(getAnthropicModelInfo('claude-sonnet-4-6').pricing.inputPerMTok).toBe(3);
  });
});

describe('getAnthropicThinkingMode', () => {
  it.each([
    ['claude-opus-4-6', 'adaptive'],
    ['claude-sonnet-4-6', 'adaptive'],
    ['claude-opus-4-7', 'adaptive'],
    ['claude-sonnet-5', 'adaptive'],
    ['claude-opus-4-5-20251101', 'budgeted'],
    ['claude-sonnet-4-5', 'budgeted'],
    ['claude-sonnet-4-20250514', 'budgeted'],
    ['claude-opus-4-1', 'budgeted'],
    ['claude-haiku-4-5', 'budgeted'],
    ['claude-3-7-sonnet-20250219', 'budgeted'],
    ['claude-3-5-haiku-20241022', 'none'],
    ['claude-3-opus-20240229', 'none'],
    ['claude-instant', 'none'],
    ['llama3', 'none'],
  ])('%s thinks %s', (model, expected) => {
    expect(getAnthropicThinkingMode(model)).toBe(expected);
  });

  it('marks 4.x models and claude-3-7-sonnet as supporting thinking', () => {
    expect(getAnthropicModelInfo('claude-haiku-4-5').supportsThinking).toBe(true);
    expect(getAnthropicModelInfo('claude-3-7-sonnet-latest').supportsThinking).toBe(true);
    expect(getAnthropicModelInfo('claude-3-5-haiku').supportsThinking).toBe(false);
  });

  it('answers a repeated model id with the same facts in a fresh object each time', () => {
    const first = getAnthropicModelInfo('claude-opus-4-6');
    first.pricing.inputPerMTok = 0;
    const second = getAnthropicModelInfo('claude-opus-4-6');
    expect(second).not.toBe(first);
    expect(second.pricing.inputPerMTok).toBe(5);
    expect(second.maxOutputTokens).toBe(128_000);
    expect(second.supportsThinking).toBe(true);
    expect(() => getAnthropicModelInfo('gpt-4o')).toThrow(/does not recognize/);
  });
});
