import { describe, expect, it } from 'vitest';
import type { ProviderRequest } from '../../core/provider.js';
import { buildOpenAIRequest, systemPromptText, toReasoningEffort } from './build-openai-request.js';
import { resolveOpenAICompat, type OpenAICompat } from './openai-compat.js';
import { resolveOpenAIModel } from './openai-models.js';

const official = 'https://api.openai.com/v1';

const build = (
  overrides: Partial<ProviderRequest> = {},
  setup: { baseURL?: string; compat?: Partial<OpenAICompat> } = {},
) => {
  const request: ProviderRequest = {
    model: 'gpt-4o',
    system: 'Be brief.',
    messages: [{ role: 'user', content: 'hi' }],
    tools: [],
    maxTokens: 1000,
    thinking: 'high',
    ...overrides,
  };
  const baseURL = setup.baseURL ?? official;
  const model = resolveOpenAIModel(request.model, { acceptUnknown: baseURL !== official });
  return buildOpenAIRequest({
    request,
    model,
    compat: resolveOpenAICompat(baseURL, model.compat, setup.compat),
    officialHost: baseURL === official,
  });
};

describe('buildOpenAIRequest', () => {
  it('streams with usage, max_completion_tokens and store:false on the official host', () => {
    expect(build()).toEqual({
      model: 'gpt-4o',
      stream: true,
      stream_options: { include_usage: true },
      max_completion_tokens: 1000,
      store: false,
      messages: [
        { role: 'system', content: 'Be brief.' },
        { role: 'user', content: 'hi' },
      ],
    });
  });

  it('omits store on a custom host', () => {
    expect(build({}, { baseURL: 'http://localhost:11434/v1' })).not.toHaveProperty('store');
  });

  it('uses max_tokens when the compat switch says so, and for chutes.ai by default', () => {
    const configured = build({}, { compat: { maxTokensField: 'max_tokens' } });
    expect(configured.max_tokens).toBe(1000);
    expect(configured).not.toHaveProperty('max_completion_tokens');
    expect(build({}, { baseURL: 'https://llm.chutes.ai/v1' }).max_tokens).toBe(1000);
  });

  it('omits stream_options when the server cannot report stream usage', () => {
    expect(build({}, { compat: { supportsStreamUsage: false } })).not.toHaveProperty('stream_options');
  });

  it('sends tools as non-strict functions and omits them when there are none', () => {
    const schema = { type: 'object', properties: { city: { type: 'string' } } };
    const body = build({ tools: [{ name: 'weather', description: 'Weather', input_schema: schema }] });
    expect(body.tools).toEqual([
      {
        type: 'function',
        function: { name: 'weather', description: 'Weather', parameters: schema, strict: false },
      },
    ]);
    expect(build()).not.toHaveProperty('tools');
  });

  it('gives reasoning models a developer message and a reasoning effort', () => {
    const body = build({ model: 'o3-mini', thinking: 'max' });
    expect(body.messages[0]).toEqual({ role: 'developer', content: 'Be brief.' });
    expect(body.reasoning_effort).toBe('high');
  });

  it('gives plain chat models a system message and no reasoning effort', () => {
    const body = build({ model: 'gpt-4o', thinking: 'high' });
    expect(body.messages[0]).toEqual({ role: 'system', content: 'Be brief.' });
    expect(body).not.toHaveProperty('reasoning_effort');
  });

  it('falls back to a system message when the server has no developer role', () => {
    const body = build({ model: 'gpt-5' }, { compat: { supportsDeveloperRole: false } });
    expect(body.messages[0]).toEqual({ role: 'system', content: 'Be brief.' });
  });

  it('omits reasoning effort for thinking none, or when the model or server rejects it', () => {
    expect(build({ model: 'gpt-5', thinking: 'none' })).not.toHaveProperty('reasoning_effort');
    expect(build({ model: 'o1-mini' })).not.toHaveProperty('reasoning_effort');
    expect(build({ model: 'o3' }, { compat: { supportsReasoningEffort: false } })).not.toHaveProperty(
      'reasoning_effort',
    );
  });

  it('joins a list-form system prompt and omits an empty one', () => {
    const listed = build({
      system: [
        ['Stable part.', true],
        ['', false],
        ['Changing part.', false],
      ],
    });
    expect(listed.messages[0]).toEqual({ role: 'system', content: 'Stable part.\n\nChanging part.' });
    expect(build({ system: undefined }).messages[0]).toEqual({ role: 'user', content: 'hi' });
  });
});

describe('toReasoningEffort', () => {
  it.each([
    ['none', true, undefined],
    ['minimal', true, 'minimal'],
    ['minimal', false, 'low'],
    ['low', false, 'low'],
    ['medium', false, 'medium'],
    ['high', false, 'high'],
    ['max', true, 'high'],
  ] as const)('maps %s (minimal supported: %s) to %s', (level, supportsMinimal, effort) => {
    expect(toReasoningEffort(level, supportsMinimal)).toBe(effort);
  });
});

describe('systemPromptText', () => {
  it('returns an empty string without a prompt', () => {
    expect(systemPromptText(undefined)).toBe('');
  });
});
