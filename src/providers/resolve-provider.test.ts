import { describe, expect, it } from 'vitest';
import type { ProviderConfig } from './resolve-provider.js';
import { resolveProvider } from './resolve-provider.js';

describe('resolveProvider', () => {
  it('ignores a setting of the provider that was not chosen (one ProviderConfig serves both)', () => {
    const anthropic = resolveProvider({
      provider: 'anthropic',
      providerConfig: { compat: { supportsStreamUsage: false } },
    });
    expect(anthropic.namedProvider).toBe('anthropic');
    const openai = resolveProvider({ provider: 'OpenAI', providerConfig: { authMode: 'oauth' } });
    expect(openai).toMatchObject({ namedProvider: 'openai', model: 'gpt-4o' });
  });

  it('lets the factory refuse a misspelt setting with the closest name', () => {
    expect(() =>
      resolveProvider({
        provider: 'anthropic',
        providerConfig: { baseUrl: 'http://127.0.0.1:1' } as ProviderConfig,
      }),
    ).toThrow("createAnthropicProvider: unknown option 'baseUrl' — did you mean 'baseURL'?");
    expect(() =>
      resolveProvider({ provider: 'openai', providerConfig: { timeout: 5 } as ProviderConfig }),
    ).toThrow("createOpenAIProvider: unknown option 'timeout' — did you mean 'timeoutMs'?");
  });
});
