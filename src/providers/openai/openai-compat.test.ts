import { describe, expect, it } from 'vitest';
import { isOfficialOpenAIBaseURL, resolveOpenAICompat } from './openai-compat.js';

describe('isOfficialOpenAIBaseURL', () => {
  it('recognises only the api.openai.com host', () => {
    expect(isOfficialOpenAIBaseURL('https://api.openai.com/v1')).toBe(true);
    expect(isOfficialOpenAIBaseURL('https://API.OpenAI.com/v1/')).toBe(true);
    expect(isOfficialOpenAIBaseURL('https://openrouter.ai/api/v1')).toBe(false);
    expect(isOfficialOpenAIBaseURL('http://127.0.0.1:11434/v1')).toBe(false);
    expect(isOfficialOpenAIBaseURL('not a url')).toBe(false);
  });
});

describe('resolveOpenAICompat', () => {
  it('defaults to everything the official API accepts', () => {
    expect(resolveOpenAICompat('https://api.openai.com/v1', undefined, undefined)).toEqual({
      maxTokensField: 'max_completion_tokens',
      supportsDeveloperRole: true,
      supportsStreamUsage: true,
      supportsReasoningEffort: true,
    });
  });

  it('lets the model override the host defaults and the user override both', () => {
    const compat = resolveOpenAICompat(
      'https://llm.chutes.ai/v1',
      { supportsReasoningEffort: false, supportsDeveloperRole: false },
      { supportsDeveloperRole: true, maxTokensField: 'max_completion_tokens' },
    );
    expect(compat).toEqual({
      maxTokensField: 'max_completion_tokens',
      supportsDeveloperRole: true,
      supportsStreamUsage: true,
      supportsReasoningEffort: false,
    });
  });

  it('treats an explicitly undefined switch as unset', () => {
    const compat = resolveOpenAICompat('https://api.openai.com/v1', undefined, {
      supportsStreamUsage: undefined,
    });
    expect(compat.supportsStreamUsage).toBe(true);
  });
});
