import { describe, expect, it } from 'vitest';
import { buildAnthropicDefaultHeaders } from './anthropic-oauth.js';

const oauthBetas = 'claude-code-20250219,oauth-2025-04-20,fine-grained-tool-streaming-2025-05-14';

describe('buildAnthropicDefaultHeaders', () => {
  it('passes custom headers through unchanged in api mode', () => {
    expect(buildAnthropicDefaultHeaders('api', { 'x-team': 'a' })).toEqual({ 'x-team': 'a' });
  });

  it('adds the OAuth beta flags and CLI identity headers in oauth mode', () => {
    const headers = buildAnthropicDefaultHeaders('oauth', {});
    expect(headers['anthropic-beta']).toBe(oauthBetas);
    expect(headers['x-app']).toBe('cli');
    expect(headers['user-agent']).toMatch(/^claude-cli\//);
  });

  it('merges custom beta flags with the OAuth ones instead of replacing them', () => {
    const headers = buildAnthropicDefaultHeaders('oauth', {
      'Anthropic-Beta': 'context-1m, oauth-2025-04-20',
    });
    expect(headers['anthropic-beta']).toBe(`${oauthBetas},context-1m`);
    expect(Object.keys(headers).filter((name) => name.toLowerCase() === 'anthropic-beta')).toHaveLength(1);
  });

  it('lets a custom header replace an OAuth default whatever its case', () => {
    const headers = buildAnthropicDefaultHeaders('oauth', { 'User-Agent': 'my-agent/1.0' });
    expect(headers['User-Agent']).toBe('my-agent/1.0');
    expect(headers['user-agent']).toBeUndefined();
  });
});
