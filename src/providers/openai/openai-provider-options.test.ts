import { describe, expect, it } from 'vitest';
import { isGatewayError } from '../../core/errors.js';
import { assertHttpURLVariable } from '../http-provider-options.js';
import { parseOpenAIProviderOptions, type OpenAIProviderOptions } from './openai-provider-options.js';

const rejection = (run: () => void): Error => {
  try {
    run();
  } catch (error) {
    if (isGatewayError(error, 'invalid_option')) return error;
    throw error;
  }
  throw new Error('expected invalid_option');
};

describe('parseOpenAIProviderOptions', () => {
  it('accepts empty and complete valid options', () => {
    expect(() => parseOpenAIProviderOptions({})).not.toThrow();
    expect(() =>
      parseOpenAIProviderOptions({
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
    const error = rejection(() => parseOpenAIProviderOptions(options as unknown as OpenAIProviderOptions));
    expect(error.message).toContain(name);
  });

  it('treats a blank baseURL as unset and suggests the closest name for an unknown option', () => {
    expect(() => parseOpenAIProviderOptions({ baseURL: ' ' })).not.toThrow();
    expect(
      rejection(() => parseOpenAIProviderOptions({ baseUrl: 'http://x' } as OpenAIProviderOptions)).message,
    ).toBe("createOpenAIProvider: unknown option 'baseUrl' — did you mean 'baseURL'?");
    expect(
      rejection(() =>
        parseOpenAIProviderOptions({ compat: { supportsStreamUsag: false } } as OpenAIProviderOptions),
      ).message,
    ).toBe(
      "createOpenAIProvider: unknown option 'compat.supportsStreamUsag' — did you mean 'compat.supportsStreamUsage'?",
    );
  });
});

describe('assertHttpURLVariable', () => {
  it('names the source of a bad URL', () => {
    expect(
      rejection(() => assertHttpURLVariable('localhost:11434', 'OPENAI_BASE_URL', 'createOpenAIProvider'))
        .message,
    ).toBe('createOpenAIProvider: OPENAI_BASE_URL must be an http(s) URL, got "localhost:11434"');
  });
});
