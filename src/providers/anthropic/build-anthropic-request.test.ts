import { describe, expect, it } from 'vitest';
import type { ProviderRequest } from '../../core/provider.js';
import {
  buildAnthropicRequest,
  buildAnthropicSystem,
  buildAnthropicThinking,
} from './build-anthropic-request.js';
import { CLAUDE_CODE_IDENTITY } from './anthropic-oauth.js';

const baseRequest: ProviderRequest = {
  model: 'claude-sonnet-4-6',
  system: undefined,
  messages: [{ role: 'user', content: 'hi' }],
  tools: [],
  maxTokens: 4096,
  thinking: 'none',
};

describe('buildAnthropicSystem', () => {
  it('caches a plain string prompt as one block', () => {
    expect(buildAnthropicSystem('be brief', 'api')).toEqual([
      { type: 'text', text: 'be brief', cache_control: { type: 'ephemeral' } },
    ]);
  });

  it('caches only the parts of a list prompt marked for caching and skips empty parts', () => {
    expect(
      buildAnthropicSystem(
        [
          ['stable prefix', true],
          ['', true],
          ['changing suffix', false],
        ],
        'api',
      ),
    ).toEqual([
      { type: 'text', text: 'stable prefix', cache_control: { type: 'ephemeral' } },
      { type: 'text', text: 'changing suffix' },
    ]);
  });

  it('opens OAuth prompts with the Claude Code identity block', () => {
    expect(buildAnthropicSystem('be brief', 'oauth')).toEqual([
      { type: 'text', text: "You are Claude Code, Anthropic's official CLI for Claude." },
      { type: 'text', text: 'be brief', cache_control: { type: 'ephemeral' } },
    ]);
    expect(buildAnthropicSystem(undefined, 'oauth')).toEqual([{ type: 'text', text: CLAUDE_CODE_IDENTITY }]);
  });

  it('sends no system blocks for an absent or empty prompt in api mode', () => {
    expect(buildAnthropicSystem(undefined, 'api')).toEqual([]);
    expect(buildAnthropicSystem('', 'api')).toEqual([]);
  });
});

describe('buildAnthropicThinking', () => {
  it('thinks adaptively on 4-6 models', () => {
    expect(buildAnthropicThinking('claude-opus-4-6', 'high', 4096)).toEqual({ type: 'adaptive' });
  });

  it('gives earlier thinking models min(10000, max_tokens - 1024) tokens', () => {
    expect(buildAnthropicThinking('claude-sonnet-4-5', 'high', 4096)).toEqual({
      type: 'enabled',
      budget_tokens: 3072,
    });
    expect(buildAnthropicThinking('claude-sonnet-4-5', 'low', 32_000)).toEqual({
      type: 'enabled',
      budget_tokens: 10_000,
    });
    expect(buildAnthropicThinking('claude-sonnet-4-5', 'high', 2048)).toEqual({
      type: 'enabled',
      budget_tokens: 1024,
    });
  });

  it('asks for no thinking below 2048 max tokens, at level none, or on models without it', () => {
    expect(buildAnthropicThinking('claude-opus-4-6', 'high', 2047)).toBeUndefined();
    expect(buildAnthropicThinking('claude-opus-4-6', 'none', 8192)).toBeUndefined();
    expect(buildAnthropicThinking('claude-3-5-haiku', 'high', 8192)).toBeUndefined();
  });
});

describe('buildAnthropicRequest', () => {
  it('builds a streaming request with converted messages and no optional fields when unused', () => {
    expect(buildAnthropicRequest(baseRequest, { authMode: 'api' })).toEqual({
      model: 'claude-sonnet-4-6',
      max_tokens: 4096,
      messages: [{ role: 'user', content: 'hi' }],
      stream: true,
    });
  });

  it('adds system, tools and thinking when the request asks for them', () => {
    const params = buildAnthropicRequest(
      {
        ...baseRequest,
        system: 'sys',
        thinking: 'high',
        tools: [
          {
            name: 'lookup',
            description: 'Looks things up',
            input_schema: { type: 'object', properties: { q: { type: 'string' } }, required: ['q'] },
          },
          { name: 'ping', description: '', input_schema: {} },
        ],
      },
      { authMode: 'api' },
    );
    expect(params.system).toEqual([{ type: 'text', text: 'sys', cache_control: { type: 'ephemeral' } }]);
    expect(params.thinking).toEqual({ type: 'adaptive' });
    expect(params.tools).toEqual([
      {
        name: 'lookup',
        description: 'Looks things up',
        input_schema: { type: 'object', properties: { q: { type: 'string' } }, required: ['q'] },
      },
      { name: 'ping', input_schema: { type: 'object' } },
    ]);
  });
});
