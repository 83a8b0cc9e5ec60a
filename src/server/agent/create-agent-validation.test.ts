import { describe, expect, it, vi } from 'vitest';
import { z } from 'zod';
import { GatewayError } from '../../core/errors.js';
import { createScriptedProvider } from '../../testing/scripted-provider.js';
import { tool } from '../../tools/define-tool.js';
import { createAgent } from './create-agent.js';
import type { CreateAgentOptions } from './create-agent-options.js';

/** The GatewayError `createAgent` throws for these arguments. */
const rejection = (systemPrompt: unknown, options?: unknown): GatewayError => {
  try {
    createAgent(systemPrompt as string, options as CreateAgentOptions);
  } catch (error) {
    if (error instanceof GatewayError) return error;
    throw error;
  }
  throw new Error('createAgent accepted the options');
};

const lookupDefinition = {
  name: 'lookup',
  description: 'Look something up.',
  input_schema: { type: 'object' },
};

describe('createAgent option validation', () => {
  it('names an unknown provider and lists the valid ones', () => {
    const error = rejection('prompt', { provider: 'gemini' });
    expect(error.code).toBe('unknown_provider');
    expect(error.message).toBe("Unknown provider: gemini. Use 'anthropic' or 'openai'.");
  });

  it('rejects a provider that is neither a name nor a Provider instance', () => {
    const error = rejection('prompt', { provider: { stream: 'no' } });
    expect(error.code).toBe('invalid_option');
    expect(error.message).toBe("createAgent: provider must be 'anthropic', 'openai' or a Provider instance");
  });

  it('requires a model with a Provider instance', () => {
    const error = rejection('prompt', { provider: createScriptedProvider() });
    expect(error.code).toBe('invalid_option');
    expect(error.message).toBe('createAgent: model is required when passing a Provider instance');
    expect(rejection('prompt', { provider: createScriptedProvider(), model: '  ' }).message).toBe(
      'createAgent: model is required when passing a Provider instance',
    );
  });

  it.each([
    [{ maxTokens: 0 }, 'createAgent: maxTokens must be a positive integer, got 0'],
    [{ maxTokens: 1.5 }, 'createAgent: maxTokens must be a positive integer, got 1.5'],
    [{ maxTurns: -1 }, 'createAgent: maxTurns must be a positive integer, got -1'],
    [{ maxBudgetUsd: Number.NaN }, 'createAgent: maxBudgetUsd must be a positive number, got null'],
    [{ perTurnTimeout: 0 }, 'createAgent: perTurnTimeout must be a positive number, got 0'],
    [{ toolCallTimeout: '30' }, 'createAgent: toolCallTimeout must be a positive number, got "30"'],
  ])('rejects the limit %j', (options, message) => {
    const error = rejection('prompt', options);
    expect(error.code).toBe('invalid_option');
    expect(error.message).toBe(message);
  });

  it('rejects bad server settings through createGatewayApp', () => {
    expect(rejection('prompt', { sessionTtl: 0 }).message).toBe(
      'createGatewayApp: sessionTtl must be a positive number, got 0',
    );
  });

  it.each([[42], [null], [[['text']]], [[['text', 'yes']]], [[{ text: 'a', cache: true }]]])(
    'rejects the system prompt %j',
    (systemPrompt) => {
      expect(rejection(systemPrompt).message).toBe(
        'createAgent: systemPrompt must be a string or an array of [text, shouldCache] pairs',
      );
    },
  );

  it('accepts a system prompt of [text, shouldCache] pairs', () => {
    const app = createAgent([
      ['Stable instructions.', true],
      ['Per-deployment notes.', false],
    ]);
    expect(typeof app.fetch).toBe('function');
  });

  it('rejects a tool name defined twice, across every way of declaring tools', () => {
    expect(
      rejection('prompt', {
        toolHandlers: { lookup: () => 'a' },
        toolDefinitions: [lookupDefinition, lookupDefinition],
      }).message,
    ).toBe("createToolDispatcher: tool 'lookup' is defined more than once");

    const typed = tool({
      name: 'lookup',
      description: 'typed',
      inputSchema: z.object({}),
      execute: () => 'b',
    });
    expect(rejection('prompt', { tools: [typed], toolHandlers: { lookup: () => 'a' } }).message).toBe(
      "createToolDispatcher: tool 'lookup' has a handler in both `tools` and `handlers`",
    );
    expect(rejection('prompt', { tools: [typed], clientTools: [lookupDefinition] }).message).toBe(
      "createToolDispatcher: tool 'lookup' is defined more than once",
    );
  });

  it('rejects an unknown option, so a typo fails at startup', () => {
    expect(rejection('prompt', { maxturns: 3 }).message).toBe(
      'createAgent: unknown option `maxturns` — did you mean `maxTurns`?',
    );
    expect(rejection('prompt', { somethingElse: 3 }).message).toBe(
      'createAgent: unknown option `somethingElse`',
    );
  });

  it('rejects a handler no definition names and a definition no handler serves', () => {
    expect(
      rejection('prompt', { toolHandlers: { lokup: () => 'a' }, toolDefinitions: [lookupDefinition] })
        .message,
    ).toBe('createAgent: toolHandlers.lokup has no definition in toolDefinitions — did you mean `lookup`?');
    expect(rejection('prompt', { toolDefinitions: [lookupDefinition] }).message).toBe(
      'createAgent: toolDefinitions names `lookup` but toolHandlers has no such handler ' +
        '(tools the client runs go in clientTools)',
    );
  });

  it('rejects a skillsDir that is not a directory', () => {
    expect(rejection('prompt', { skillsDir: '/no/such/skills' }).message).toBe(
      'createAgent: skillsDir /no/such/skills is not a directory',
    );
  });

  it.each([
    [{ thinking: 'yes' }, 'createAgent: thinking must be a boolean, got "yes"'],
    [{ onUsage: 'log' }, 'createAgent: onUsage must be a function, got "log"'],
    [{ allowedModels: 'gpt-4o' }, 'createAgent: allowedModels must be an array, got "gpt-4o"'],
    [{ allowedModels: ['gpt-4o', ''] }, 'createAgent: allowedModels must be an array of model names'],
    [{ toolHandlers: [] }, 'createAgent: toolHandlers must be an object, got an array'],
    [{ validApiKeys: 'demo-key' }, 'createAgent: validApiKeys must be an array of keys, not a string'],
    [{ model: 42 }, 'createAgent: model must be a string, got 42'],
  ])('rejects the mistyped option %j', (options, message) => {
    expect(rejection('prompt', options).message).toBe(message);
  });

  it('rejects options that are not an object', () => {
    expect(rejection('prompt', null).message).toBe('createAgent: options must be an object');
    expect(rejection('prompt', ['provider']).message).toBe('createAgent: options must be an object');
  });

  it('fails before any hook runs or any provider is contacted', () => {
    const onStartup = vi.fn();
    const provider = createScriptedProvider();
    rejection('prompt', { provider, model: 'test-model', onStartup, maxTurns: 0 });
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
    createAgent('prompt', { model: 'gpt-4o', logger });
    createAgent('prompt', { provider: 'openai', model: 'claude-sonnet-4-6', logger });
    createAgent('prompt', { model: 'claude-haiku-4-5', logger });
    createAgent('prompt', { provider: 'openai', model: 'llama3.2', logger });
    expect(warnings).toEqual([
      "model gpt-4o does not look like an Anthropic model (provider 'anthropic'): calls may fail and its cost is counted as 0",
      "model claude-sonnet-4-6 looks like an Anthropic model but the provider is 'openai': set provider: 'anthropic'",
    ]);
  });
});
