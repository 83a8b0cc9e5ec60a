import { describe, expect, it } from 'vitest';
import { silentLogger } from '../core/logger.js';
import { createScriptedProvider } from '../testing/scripted-provider.js';
import { createFakeToolExecutor } from './__fixtures__/fake-tool-executor.js';
import type { AgentLoopConfig } from './agent-loop-settings.js';
import { CostAccumulator } from './budget.js';
import { createAgentLoop } from './create-agent-loop.js';
import { EventLog } from './event-log.js';
import { splitRunAgentOptions, type AgentRunnerOptions } from './run-agent.js';
import { invalidOptionMessage } from './__fixtures__/invalid-option-message.js';

/** The loop's settings of `runAgent`-style options, checked as `runAgent` checks them. */
const resolveAgentRunnerOptions = (options: AgentRunnerOptions): AgentLoopConfig =>
  createAgentLoop(splitRunAgentOptions({ ...options, messages: [] }).settings).settings;

const baseOptions = (): AgentRunnerOptions => ({
  provider: createScriptedProvider(),
  tools: createFakeToolExecutor(),
  eventLog: new EventLog(),
  sessionId: 'sess_options',
  model: 'scripted-model',
  logger: silentLogger,
});

const rejection = invalidOptionMessage;

describe('agent loop options (runAgent)', () => {
  it('applies the documented defaults', () => {
    const settings = resolveAgentRunnerOptions(baseOptions());
    expect(settings).toMatchObject({
      maxTokens: 16_000,
      thinking: true,
      maxTurnsNotice: '[Max turns reached]',
      turnTimeoutMs: 300_000,
      streamStallTimeoutMs: 60_000,
      toolCallTimeoutMs: 120_000,
      stubWordDelayMs: 50,
      retry: { maxRetries: 3, baseDelayMs: 2_000, maxRetryAfterMs: 60_000 },
    });
    expect(settings.excludedTools.size).toBe(0);
    expect(settings.maxTurns).toBeUndefined();
    expect(settings.maxBudgetUsd).toBeUndefined();
  });

  it('suggests the closest name for an unknown option, also inside retry', () => {
    expect(
      rejection(() => resolveAgentRunnerOptions({ ...baseOptions(), maxTurn: 3 } as AgentRunnerOptions)),
    ).toBe("runAgent: unknown option 'maxTurn' — did you mean 'maxTurns'?");
    expect(
      rejection(() =>
        resolveAgentRunnerOptions({ ...baseOptions(), retry: { baseDelay: 1 } } as AgentRunnerOptions),
      ),
    ).toBe("runAgent: unknown option 'retry.baseDelay' — did you mean 'retry.baseDelayMs'?");
  });

  it('names the option and what it must be', () => {
    expect(rejection(() => resolveAgentRunnerOptions({ ...baseOptions(), maxTokens: 1.5 }))).toMatch(
      /^runAgent: maxTokens: .*expected int/,
    );
    expect(rejection(() => resolveAgentRunnerOptions({ ...baseOptions(), turnTimeoutMs: 0.5 }))).toMatch(
      /^runAgent: turnTimeoutMs: Too small/,
    );
    expect(
      rejection(() => resolveAgentRunnerOptions({ ...baseOptions(), retry: { maxRetries: -1 } })),
    ).toMatch(/^runAgent: retry\.maxRetries: Too small/);
    expect(
      rejection(() =>
        resolveAgentRunnerOptions({ ...baseOptions(), provider: {} as AgentRunnerOptions['provider'] }),
      ),
    ).toBe('runAgent: provider: must be a Provider (stream, getModelInfo, hasCredential)');
    expect(
      rejection(() =>
        resolveAgentRunnerOptions({ ...baseOptions(), eventLog: {} as AgentRunnerOptions['eventLog'] }),
      ),
    ).toBe('runAgent: eventLog: must be an EventLog');
  });

  it('refuses a budget together with a shared cost accumulator', () => {
    expect(
      rejection(() =>
        resolveAgentRunnerOptions({
          ...baseOptions(),
          maxBudgetUsd: 1,
          costAccumulator: new CostAccumulator(2),
        }),
      ),
    ).toMatch(/give either maxBudgetUsd or costAccumulator/);
  });

  it('reads excludedTools from any iterable once (a generator is not used up by the check)', () => {
    function* names(): Generator<string> {
      yield 'delete_file';
      yield 'send_mail';
    }
    const settings = resolveAgentRunnerOptions({ ...baseOptions(), excludedTools: names() });
    expect([...settings.excludedTools]).toEqual(['delete_file', 'send_mail']);
    expect(
      rejection(() => resolveAgentRunnerOptions({ ...baseOptions(), excludedTools: 'delete_file' })),
    ).toMatch(/^runAgent: excludedTools: must be an array or a Set of strings/);
  });

  it('checks the input of each run', async () => {
    const loop = createAgentLoop({ provider: createScriptedProvider(), model: 'scripted-model' });
    const parts = { tools: createFakeToolExecutor(), eventLog: new EventLog(), sessionId: 's' };
    const runRejection = (input: unknown) =>
      loop.run(input as never).then(
        () => 'resolved',
        (error: unknown) => (error instanceof Error ? error.message : String(error)),
      );
    expect(await runRejection({ ...parts, messages: [], maxTurn: 2 })).toBe(
      "createAgentLoop: unknown option 'maxTurn' — did you mean 'maxTurns'?",
    );
    expect(await runRejection({ ...parts, messages: 'hi' })).toBe(
      'createAgentLoop: messages: must be an array',
    );
    expect(await runRejection({ ...parts, messages: [], model: '' })).toMatch(
      /^createAgentLoop: model: Too small/,
    );
  });
});
