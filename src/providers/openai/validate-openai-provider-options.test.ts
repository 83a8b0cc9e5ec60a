import { describe, expect, it } from 'vitest';
import { isGatewayError } from '../../core/errors.js';
import type { OpenAIProviderOptions } from './openai-provider.js';
import { assertHttpURL, validateOpenAIProviderOptions } from './validate-openai-provider-options.js';

const rejection = (run: () => void): Error => {
  try {
    run();
  } catch (error) {
    if (isGatewayError(error, 'invalid_option')) return error;
    throw error;
  }
  throw new Error('expected invalid_option');
};

describe('validateOpenAIProviderOptions', () => {
  it('accepts empty and complete valid options', () => {
    expect(() => validateOpenAIProviderOptions({})).not.toThrow();
    expect(() =>
      validateOpenAIProviderOptions({
        apiKey: 'sk-x',
        baseURL: 'http://127.0.0.1:11434/v1',
        organization: 'org-1',
        compat: { maxTokensField: 'max_tokens', supportsDeveloperRole: false },
        defaultHeaders: { 'x-title': 'app' },
        timeoutMs: 30_000,
      }),
    ).not.toThrow();
  });

  it.each([
    [{ baseURL: 'not a url' }, 'baseURL'],
    [{ baseURL: 'ftp://example.com' }, 'baseURL'],
    [{ timeoutMs: 0 }, 'timeoutMs'],
    [{ timeoutMs: Number.NaN }, 'timeoutMs'],
    [{ compat: { maxTokensField: 'max_output_tokens' } }, 'maxTokensField'],
    [{ compat: { supportsDeveloperRole: 'no' } }, 'supportsDeveloperRole'],
    [{ compat: [] }, 'compat'],
    [{ defaultHeaders: { 'x-a': 1 } }, 'defaultHeaders'],
    [{ apiKey: 42 }, 'apiKey'],
    [{ organization: {} }, 'organization'],
  ])('rejects %j with invalid_option naming %s', (options, name) => {
    const error = rejection(() => validateOpenAIProviderOptions(options as unknown as OpenAIProviderOptions));
    expect(error.message).toContain(name);
  });
});

describe('assertHttpURL', () => {
  it('names the source of a bad URL', () => {
    expect(rejection(() => assertHttpURL('localhost:11434', 'OPENAI_BASE_URL')).message).toContain(
      'OPENAI_BASE_URL',
    );
  });
});
