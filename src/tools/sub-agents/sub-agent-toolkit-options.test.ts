import { describe, expect, it } from 'vitest';
import { createScriptedProvider } from '../../testing/scripted-provider.js';
import { toolkitOptions } from './__fixtures__/sub-agent-fixtures.js';
import { createSkillLoader } from './skill-loader.js';
import { resolveSubAgentToolkitOptions } from './sub-agent-toolkit-options.js';

const resolveWith = (overrides: Record<string, unknown>) =>
  resolveSubAgentToolkitOptions({
    ...toolkitOptions(createScriptedProvider()),
    ...overrides,
  });

describe('resolveSubAgentToolkitOptions', () => {
  it('applies the defaults of the original', () => {
    const resolved = resolveWith({ allowedModels: undefined });
    expect(resolved).toMatchObject({
      defaultMaxTurns: 15,
      defaultTimeoutMs: 300_000,
      defaultMaxTokens: 32_000,
      maxConcurrentBackground: 3,
      backgroundDrainTimeoutMs: 30_000,
    });
    expect([...resolved.allowedModels].sort()).toEqual([
      'claude-opus-4-6',
      'claude-sonnet-4-6',
      'scripted-model',
    ]);
    expect(resolved.costAccumulator.budgetUsd).toBeUndefined();
  });

  it('keeps an empty allow-list empty (any model)', () => {
    expect(resolveWith({ allowedModels: new Set() }).allowedModels.size).toBe(0);
  });

  it.each([
    [{ defaultModel: ' ' }, /defaultModel: must be a non-empty string/],
    [{ parentSessionId: '' }, /parentSessionId/],
    [{ buildSubAgentTools: undefined }, /buildSubAgentTools: must be a function/],
    [{ skillsDir: '/tmp/a', skillLoader: createSkillLoader('/tmp/b') }, /skillsDir or skillLoader, not both/],
    [{ skillsDir: ' ' }, /skillsDir: must be a non-empty path/],
    [{ allowedModels: 'claude-sonnet-4-6' }, /allowedModels: must be an array or a Set of strings/],
    [{ allowedModels: [1] }, /allowedModels\.0: .*expected string/],
    [{ defaultMaxTurns: 0 }, /defaultMaxTurns: Too small/],
    [{ defaultTimeoutMs: -1 }, /defaultTimeoutMs: Too small/],
    [{ maxConcurrentBackground: 1.5 }, /maxConcurrentBackground: .*expected int/],
    [{ turnTimeoutMs: 0 }, /turnTimeoutMs/],
    [{ retry: { maxRetries: -1 } }, /retry\.maxRetries: Too small/],
    [{ costAccumulator: { total: 0 } }, /costAccumulator: must be a CostAccumulator/],
    [{ signal: {} }, /signal: must be an AbortSignal/],
    [{ onSubAgentEvent: 'log' }, /onSubAgentEvent: must be a function/],
    [{ provider: {} }, /provider: must be a Provider/],
  ])('rejects %o', (overrides, message) => {
    expect(() => resolveWith(overrides)).toThrow(message);
  });

  it('suggests the closest option name, and the unit of the renamed timeout', () => {
    expect(() => resolveWith({ defaultMaxTurn: 3 })).toThrow(
      "createSubAgentToolkit: unknown option 'defaultMaxTurn' — did you mean 'defaultMaxTurns'?",
    );
    expect(() => resolveWith({ defaultTimeout: 300 })).toThrow(
      "createSubAgentToolkit: option 'defaultTimeout' was replaced: use 'defaultTimeoutMs' (milliseconds)",
    );
  });
});
