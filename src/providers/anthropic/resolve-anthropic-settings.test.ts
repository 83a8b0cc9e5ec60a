import { describe, expect, it } from 'vitest';
import { isGatewayError } from '../../core/errors.js';
import type { AnthropicProviderOptions } from './anthropic-provider-options.js';
import { resolveAnthropicSettings } from './resolve-anthropic-settings.js';

const invalidOptionOf = (options: unknown, environment = {}): unknown => {
  try {
    resolveAnthropicSettings(options as AnthropicProviderOptions, environment);
  } catch (error) {
    return error;
  }
  return undefined;
};

describe('resolveAnthropicSettings', () => {
  it('uses an explicit API key in api mode', () => {
    expect(resolveAnthropicSettings({ apiKey: 'sk-1' }, {})).toMatchObject({
      authMode: 'api',
      credential: 'sk-1',
    });
  });

  it('falls back to ANTHROPIC_API_KEY and ANTHROPIC_BASE_URL', () => {
    const settings = resolveAnthropicSettings(
      {},
      { ANTHROPIC_API_KEY: 'sk-env', ANTHROPIC_BASE_URL: 'http://127.0.0.1:9999' },
    );
    expect(settings).toMatchObject({
      authMode: 'api',
      credential: 'sk-env',
      baseURL: 'http://127.0.0.1:9999',
    });
  });

  it('treats blank values as absent', () => {
    const settings = resolveAnthropicSettings(
      { apiKey: '  ', baseURL: '' },
      { ANTHROPIC_API_KEY: '', ANTHROPIC_AUTH_TOKEN: ' ', ANTHROPIC_BASE_URL: '  ' },
    );
    expect(settings).toMatchObject({ authMode: 'api', credential: undefined, baseURL: undefined });
  });

  it('prefers explicit options over the environment', () => {
    const settings = resolveAnthropicSettings(
      { apiKey: 'sk-option', baseURL: 'https://proxy.example' },
      { ANTHROPIC_API_KEY: 'sk-env', ANTHROPIC_BASE_URL: 'http://127.0.0.1:1' },
    );
    expect(settings).toMatchObject({ credential: 'sk-option', baseURL: 'https://proxy.example' });
  });

  it('defaults to oauth mode when a token is the only credential', () => {
    expect(resolveAnthropicSettings({}, { ANTHROPIC_AUTH_TOKEN: 'tok' })).toMatchObject({
      authMode: 'oauth',
      credential: 'tok',
    });
    expect(resolveAnthropicSettings({ authToken: 'tok', apiKey: 'sk' }, {})).toMatchObject({
      authMode: 'api',
      credential: 'sk',
    });
  });

  it('has no credential when the chosen mode lacks its own kind', () => {
    expect(resolveAnthropicSettings({ authMode: 'oauth', apiKey: 'sk' }, {}).credential).toBeUndefined();
    expect(resolveAnthropicSettings({ authMode: 'api', authToken: 'tok' }, {}).credential).toBeUndefined();
  });

  it.each([
    [{ authMode: 'bearer' }],
    [{ apiKey: 42 }],
    [{ baseURL: 'not a url' }],
    [{ baseURL: 'ftp://example.com' }],
    [{ timeoutMs: 0 }],
    [{ timeoutMs: Number.NaN }],
    [{ defaultHeaders: { 'x-a': 1 } }],
    [null],
  ])('rejects malformed options %j with invalid_option', (options) => {
    expect(isGatewayError(invalidOptionOf(options), 'invalid_option')).toBe(true);
  });

  it('names the option and suggests the closest name for an unknown one', () => {
    expect(invalidOptionOf({ authMode: 'bearer' })).toMatchObject({
      message: expect.stringMatching(/^createAnthropicProvider: authMode: /) as unknown,
    });
    expect(invalidOptionOf({ authTokn: 'tok' })).toMatchObject({
      message: "createAnthropicProvider: unknown option 'authTokn' — did you mean 'authToken'?",
    });
  });

  it('rejects a malformed ANTHROPIC_BASE_URL up front', () => {
    expect(isGatewayError(invalidOptionOf({}, { ANTHROPIC_BASE_URL: '::nope' }), 'invalid_option')).toBe(
      true,
    );
  });
});
