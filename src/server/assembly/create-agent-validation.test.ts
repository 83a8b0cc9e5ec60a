import { describe, expect, it, vi } from 'vitest';
import { z } from 'zod';
import { GatewayError } from '../../core/errors.js';
import { createScriptedProvider } from '../../testing/scripted-provider.js';
import { tool } from '../../tools/define-tool.js';
import { createAgent } from './create-agent.js';
import type { CreateAgentOptions } from '../contracts/create-agent-options.js';

/** The GatewayError `createAgent` throws for these options (a system prompt is added). */
const rejection = (options: unknown): GatewayError => {
  try {
    const withPrompt =
      typeof options === 'object' && options !== null && !Array.isArray(options)
        ? { systemPrompt: 'prompt', ...options }
        : options;
    createAgent(withPrompt as CreateAgentOptions);
  } catch (error) {
    if (error instanceof GatewayError) return error;
    throw error;
  }
  throw new Error('createAgent accepted the options');
};

describe('createAgent option checks (one schema per option group)', () => {
  it('names an unknown provider and lists the valid ones', () => {
    const error = rejection({ provider: 'gemini' });
    expect(error.code).toBe('unknown_provider');
    expect(error.message).toBe("Unknown provider: gemini. Use 'anthropic' or 'openai'.");
  });

  it('rejects a provider that is neither a name nor a Provider instance', () => {
    const error = rejection({ provider: { stream: 'no' } });
    expect(error.code).toBe('invalid_option');
    expect(error.message).toBe("createAgent: provider must be 'anthropic', 'openai' or a Provider instance");
  });

  it('names the accepted values for a provider of the wrong type', () => {
    expect(rejection({ provider: 123 }).message).toBe(
      "createAgent: provider: must be 'anthropic', 'openai' or a Provider instance",
    );
  });

  it('shows the one-object shape to a 0.1.0 call with the system prompt first', () => {
    const call = createAgent as unknown as (prompt: string, options: object) => unknown;
    expect(() => call('You are a support agent.', { maxTurns: 5 })).toThrow(
      "createAgent: takes one options object, got a string: createAgent({ systemPrompt: 'You are…', tools: [...], server: { ... } }) (0.1.0's createAgent(systemPrompt, options) is createAgent({ systemPrompt, ...options }))",
    );
  });

  it('requires a model with a Provider instance', () => {
    expect(rejection({ provider: createScriptedProvider() }).message).toBe(
      'createAgent: model is required when passing a Provider instance',
    );
  });

  it.each([
    [{ maxTokens: 0 }, /^createAgent: maxTokens: Too small/],
    [{ maxTokens: 1.5 }, /^createAgent: maxTokens: .*expected int/],
    [{ maxTurns: -1 }, /^createAgent: maxTurns: Too small/],
    [{ maxBudgetUsd: Number.NaN }, /^createAgent: maxBudgetUsd: .*number/],
    [{ turnTimeoutMs: 0 }, /^createAgent: turnTimeoutMs: Too small/],
    [{ toolCallTimeoutMs: '30' }, /^createAgent: toolCallTimeoutMs: .*expected number/],
    [{ server: { sessionTtlMs: -5 } }, /^createAgent: server\.sessionTtlMs: Too small/],
    [{ server: { disconnectGraceMs: -1 } }, /^createAgent: server\.disconnectGraceMs: Too small/],
    [{ mcp: { toolTimeoutMs: 0 } }, /^createAgent: mcp\.toolTimeoutMs: Too small/],
  ])('rejects the limit %j, naming the option and its group', (options, message) => {
    const error = rejection(options);
    expect(error.code).toBe('invalid_option');
    expect(error.message).toMatch(message);
  });

  it('suggests the closest name for a typo, in every group', () => {
    expect(rejection({ maxTurn: 3 }).message).toBe(
      "createAgent: unknown option 'maxTurn' — did you mean 'maxTurns'?",
    );
    expect(rejection({ server: { jwtSecrt: 'x' } }).message).toBe(
      "createAgent: unknown option 'server.jwtSecrt' — did you mean 'server.jwtSecret'?",
    );
    expect(rejection({ hooks: { onRunUsag: () => undefined } }).message).toBe(
      "createAgent: unknown option 'hooks.onRunUsag' — did you mean 'hooks.onRunUsage'?",
    );
  });

  it('points a server option given at the top level to its group', () => {
    expect(rejection({ jwtSecret: 'x' }).message).toBe(
      "createAgent: unknown option 'jwtSecret' — did you mean 'server.jwtSecret'?",
    );
  });

  it('says what replaced an option of 0.1.0', () => {
    expect(rejection({ perTurnTimeout: 30 }).message).toBe(
      "createAgent: option 'perTurnTimeout' was replaced: use 'turnTimeoutMs' (milliseconds)",
    );
    expect(rejection({ toolHandlers: {} }).message).toMatch(/was replaced: declare each tool with tool\(/);
    expect(rejection({ mcpServers: {} }).message).toBe(
      "createAgent: option 'mcpServers' was replaced: use 'mcp.servers'",
    );
    expect(rejection({ sessionTtl: 60 }).message).toBe(
      "createAgent: option 'sessionTtl' was replaced: use 'server.sessionTtlMs' (milliseconds)",
    );
    expect(rejection({ mcp: { servers: {}, restartBackoff: { initial: 1 } } }).message).toContain(
      "unknown option 'mcp.restartBackoff.initial' — did you mean 'mcp.restartBackoff.initialMs'?",
    );
    expect(rejection({ server: { rateLimit: { requests: 5, windowSeconds: 60 } } }).message).toContain(
      "option 'server.rateLimit.windowSeconds' was replaced: use 'server.rateLimit.windowMs' (milliseconds)",
    );
    expect(rejection({ server: { corsOrigins: ['*'], corsAllowHeaders: [] } }).message).toBe(
      "createAgent: option 'server.corsOrigins' was replaced: use 'server.cors.origins'; " +
        "option 'server.corsAllowHeaders' was replaced: use 'server.cors.allowHeaders'",
    );
  });

  it('lists every problem at once', () => {
    const message = rejection({ maxTurns: 0, thinking: 'yes', colour: 'blue' }).message;
    expect(message).toMatch(/maxTurns: Too small/);
    expect(message).toMatch(/thinking: .*boolean/);
    expect(message).toMatch(/unknown option 'colour'/);
  });

  it('accepts only tools made with tool(), and tool() checks what it is given', () => {
    expect(rejection({ tools: [{ name: 'lookup' }] }).message).toBe(
      'createAgent: tools.0: must be made with tool()',
    );
    expect(() =>
      tool({ name: 'x', description: 'd', inputSchema: { type: 'string' } as never, execute: () => 1 }),
    ).toThrow(/inputSchema/);
    expect(() =>
      tool({ name: 'x', description: 'd', inputSchema: z.object({}), execute: 'server' as never }),
    ).toThrow(/execute/);
  });

  it('rejects a skills dir that is not a directory', () => {
    expect(rejection({ skills: { dir: '/no/such/skills' } }).message).toBe(
      'createAgent: skills.dir: is not a directory',
    );
  });

  it.each([
    [{ thinking: 'yes' }, /thinking: .*boolean/],
    [{ hooks: { onRunUsage: 'log' } }, /hooks\.onRunUsage: must be a function/],
    [{ server: { allowedModels: 'gpt-4o' } }, /server\.allowedModels: must be an array of model names/],
    [{ server: { allowedModels: ['gpt-4o', ''] } }, /server\.allowedModels\.1: Too small/],
    [{ server: { validApiKeys: 'demo-key' } }, /server\.validApiKeys: must be an array of keys/],
    [{ server: { store: { redis: 'http://x' } } }, /server\.store/],
    [{ model: 42 }, /model: .*string/],
    [{ systemPrompt: 42 }, /systemPrompt: must be a string or an array of \[text, shouldCache\] pairs/],
  ])('rejects the mistyped option %j', (options, message) => {
    expect(rejection(options).message).toMatch(message);
  });

  it('rejects options that are not an object', () => {
    expect(rejection(null).message).toMatch(
      /^createAgent: takes one options object, got null: createAgent\(\{ systemPrompt/,
    );
    expect(rejection(['provider']).message).toMatch(/^createAgent: takes one options object, got an array: /);
  });

  it('fails before any hook runs or any provider is contacted', () => {
    const onStartup = vi.fn();
    const provider = createScriptedProvider();
    rejection({ provider, model: 'test-model', server: { onStartup }, maxTurns: 0 });
    expect(onStartup).not.toHaveBeenCalled();
    expect(provider.requests).toHaveLength(0);
  });

  it('warns when the model looks like another provider', () => {
    const warnings: string[] = [];
    const logger = {
      debug: () => undefined,
      info: () => undefined,
      error: () => undefined,
      warn: (line: string) => void warnings.push(line),
    };
    createAgent({ systemPrompt: 'prompt', model: 'gpt-4o', logger });
    createAgent({ systemPrompt: 'prompt', provider: 'openai', model: 'claude-sonnet-4-6', logger });
    createAgent({ systemPrompt: 'prompt', model: 'claude-haiku-4-5', logger });
    createAgent({ systemPrompt: 'prompt', provider: 'openai', model: 'llama3.2', logger });
    expect(warnings).toEqual([
      "model gpt-4o does not look like an Anthropic model (provider 'anthropic'): calls may fail and its cost is counted as 0",
      "model claude-sonnet-4-6 looks like an Anthropic model but the provider is 'openai': set provider: 'anthropic'",
    ]);
  });
});
