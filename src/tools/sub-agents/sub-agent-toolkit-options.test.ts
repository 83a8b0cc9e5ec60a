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
      defaultTimeout: 300,
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
    [{ defaultModel: ' ' }, /defaultModel must be a non-empty string/],
    [{ parentSessionId: '' }, /parentSessionId/],
    [{ buildSubAgentTools: undefined }, /buildSubAgentTools must be a function/],
    [{ skillsDir: '/tmp/a', skillLoader: createSkillLoader('/tmp/b') }, /skillsDir or skillLoader, not both/],
    [{ allowedModels: 'claude-sonnet-4-6' }, /allowedModels must be an iterable of strings/],
    [{ allowedModels: [1] }, /allowedModels must contain only strings/],
    [{ defaultMaxTurns: 0 }, /defaultMaxTurns must be a positive integer, got 0/],
    [{ defaultTimeout: -1 }, /defaultTimeout must be a positive number/],
    [{ maxConcurrentBackground: 1.5 }, /maxConcurrentBackground must be a positive integer/],
    [{ perTurnTimeoutMs: 0 }, /perTurnTimeoutMs/],
    [{ costAccumulator: { total: 0 } }, /costAccumulator must be a CostAccumulator/],
    [{ signal: {} }, /signal must be an AbortSignal/],
    [{ onSubAgentEvent: 'log' }, /onSubAgentEvent must be a function/],
    [{ provider: {} }, /provider must implement Provider/],
  ])('rejects %o', (overrides, message) => {
    expect(() => resolveWith(overrides)).toThrow(message);
  });
});
