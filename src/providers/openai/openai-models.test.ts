import { describe, expect, it } from 'vitest';
import { isGatewayError } from '../../core/errors.js';
import { isOpenAIReasoningModel, resolveOpenAIModel } from './openai-models.js';

const known = { acceptUnknown: false };

describe('resolveOpenAIModel', () => {
  it.each([
    ['gpt-4o', 2.5, 10, 1.25],
    ['gpt-4o-mini', 0.15, 0.6, 0.075],
    ['gpt-4.1', 2, 8, 0.5],
    ['gpt-4.1-mini', 0.4, 1.6, 0.1],
    ['gpt-4.1-nano', 0.1, 0.4, 0.025],
    ['gpt-5', 1.25, 10, 0.125],
    ['gpt-5-mini', 0.25, 2, 0.025],
    ['gpt-5-nano', 0.05, 0.4, 0.005],
    ['o1', 15, 60, 7.5],
    ['o1-mini', 1.1, 4.4, 0.55],
    ['o3', 2, 8, 0.5],
    ['o3-mini', 1.1, 4.4, 0.55],
    ['o4-mini', 1.1, 4.4, 0.275],
  ])('prices %s at %s / %s / %s per MTok with free cache writes', (model, input, output, cached) => {
    expect(resolveOpenAIModel(model, known).info.pricing).toEqual({
      inputPerMTok: input,
      outputPerMTok: output,
      cacheReadPerMTok: cached,
      cacheWritePerMTok: 0,
    });
  });

  it('matches the longest prefix, so dated snapshots of a mini model get mini prices', () => {
    expect(resolveOpenAIModel('gpt-4o-mini-2024-07-18', known).info.pricing.inputPerMTok).toBe(0.15);
    expect(resolveOpenAIModel('gpt-4o-2024-11-20', known).info.pricing.inputPerMTok).toBe(2.5);
    expect(resolveOpenAIModel('gpt-4.1-nano-2025-04-14', known).info.pricing.inputPerMTok).toBe(0.1);
  });

  it('matches on the part after the last slash and keeps the requested id', () => {
    const resolved = resolveOpenAIModel('openai/gpt-4o', known);
    expect(resolved.info.id).toBe('openai/gpt-4o');
    expect(resolved.info.provider).toBe('openai');
    expect(resolved.info.pricing.outputPerMTok).toBe(10);
  });

  it('rejects an unknown model with unknown_model and the original message', () => {
    let caught: unknown;
    try {
      resolveOpenAIModel('llama3.2', known);
    } catch (error) {
      caught = error;
    }
    expect(isGatewayError(caught, 'unknown_model')).toBe(true);
    expect((caught as Error).message).toBe('OpenAIProvider does not recognize model: llama3.2');
  });

  it('accepts an unknown model at zero prices when asked to (custom base URL)', () => {
    const resolved = resolveOpenAIModel('llama3.2', { acceptUnknown: true });
    expect(resolved.info.id).toBe('llama3.2');
    expect(resolved.info.pricing).toEqual({
      inputPerMTok: 0,
      outputPerMTok: 0,
      cacheReadPerMTok: 0,
      cacheWritePerMTok: 0,
    });
    expect(resolved.reasoning).toBe(false);
  });

  it('marks reasoning models as thinking-capable and only gpt-5 as taking minimal effort', () => {
    expect(resolveOpenAIModel('o3-mini', known)).toMatchObject({
      reasoning: true,
      supportsMinimalEffort: false,
      info: { supportsThinking: true },
    });
    expect(resolveOpenAIModel('gpt-5-mini', known)).toMatchObject({
      reasoning: true,
      supportsMinimalEffort: true,
    });
    expect(resolveOpenAIModel('gpt-4o', known)).toMatchObject({
      reasoning: false,
      info: { supportsThinking: false },
    });
  });

  it('records that o1-mini rejects reasoning_effort', () => {
    expect(resolveOpenAIModel('o1-mini', known).compat).toEqual({ supportsReasoningEffort: false });
  });
});

describe('isOpenAIReasoningModel', () => {
  it.each([
    'o1',
    'o1-mini',
    'o3',
    'o3-mini-2025-01-31',
    'o4-mini',
    'gpt-5',
    'gpt-5-nano',
    'gpt-5.1',
    'openai/o3',
  ])('treats %s as a reasoning model', (model) => expect(isOpenAIReasoningModel(model)).toBe(true));

  it.each(['gpt-4o', 'gpt-4.1-mini', 'gpt-5-chat-latest', 'o10-fake', 'llama3', 'omni'])(
    'treats %s as a plain chat model',
    (model) => expect(isOpenAIReasoningModel(model)).toBe(false),
  );
});
