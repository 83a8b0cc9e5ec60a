import { describe, expect, it } from 'vitest';
import { isGatewayError } from '../core/errors.js';
import { silentLogger } from '../core/logger.js';
import { createScriptedProvider } from '../testing/scripted-provider.js';
import { textTurn, toolCallTurn } from '../testing/scripted-turn.js';
import { createFakeToolExecutor, eventsOfType, succeed } from './__fixtures__/fake-tool-executor.js';
import type { AgentLoopRunInput } from './agent-loop-input.js';
import type { AgentLoopSettings } from './agent-loop-settings.js';
import { CostAccumulator } from './budget.js';
import { createAgentLoop } from './create-agent-loop.js';
import { EventLog } from './event-log.js';
import { invalidOptionMessage } from './__fixtures__/invalid-option-message.js';

const pricing = { inputPerMTok: 3, outputPerMTok: 15, cacheReadPerMTok: 0.3, cacheWritePerMTok: 3.75 };

const loopSettings = (overrides: Partial<AgentLoopSettings> = {}): AgentLoopSettings => ({
  provider: createScriptedProvider(),
  model: 'loop-model',
  logger: silentLogger,
  ...overrides,
});

const runInput = (text: string, overrides: Partial<AgentLoopRunInput> = {}): AgentLoopRunInput => ({
  messages: [{ role: 'user', content: text }],
  tools: createFakeToolExecutor(),
  eventLog: new EventLog(),
  sessionId: 'sess_run',
  ...overrides,
});

const rejection = invalidOptionMessage;

/** The message of the `invalid_option` rejection of `promise`. */
async function runRejection(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
  } catch (error) {
    if (isGatewayError(error, 'invalid_option')) return error.message;
    throw error;
  }
  throw new Error('the input was accepted');
}

describe('createAgentLoop', () => {
  it('rejects bad settings when it is made, not when a run starts', () => {
    expect(rejection(() => createAgentLoop(loopSettings({ maxTokens: -1 })))).toMatch(
      /^createAgentLoop: maxTokens/,
    );
  });

  it("runs with the loop's settings and each run's own log, tools, model and turn limit", async () => {
    const provider = createScriptedProvider({ turns: [toolCallTurn('step', {}), toolCallTurn('step', {})] });
    const loop = createAgentLoop(loopSettings({ provider, maxTurns: 5, maxTokens: 4_096 }));
    const eventLog = new EventLog();
    const result = await loop.run(
      runInput('go', {
        eventLog,
        tools: createFakeToolExecutor({ step: () => succeed('ok') }),
        model: 'run-model',
        maxTurns: 1,
      }),
    );
    expect(result.outcome).toBe('max_turns');
    expect(provider.requests.map((request) => [request.model, request.maxTokens])).toEqual([
      ['run-model', 4_096],
    ]);
    expect(
      eventsOfType(
        eventLog.entries().map((entry) => entry.event),
        'max_turns_reached',
      ),
    ).toEqual([{ type: 'max_turns_reached', turn_count: 2, max_turns: 1 }]);
  });

  it('gives every run a budget of its own', async () => {
    const usage = { inputTokens: 200_000 }; // $0.60 at $3/MTok, over the $0.50 budget
    const provider = createScriptedProvider({
      pricing,
      turns: [textTurn('one', { usage }), textTurn('two')],
    });
    const loop = createAgentLoop(loopSettings({ provider, maxBudgetUsd: 0.5 }));
    const firstLog = new EventLog();
    await loop.run(runInput('a', { eventLog: firstLog }));
    expect(
      eventsOfType(
        firstLog.entries().map((entry) => entry.event),
        'budget_exceeded',
      ),
    ).toHaveLength(1);
    const secondLog = new EventLog();
    const second = await loop.run(runInput('b', { eventLog: secondLog }));
    expect(second.outcome).toBe('completed');
    expect(
      eventsOfType(
        secondLog.entries().map((entry) => entry.event),
        'budget_exceeded',
      ),
    ).toHaveLength(0);
  });

  it("spends a run's own cost accumulator when it brings one (shared with its sub-agents)", async () => {
    const usage = { inputTokens: 200_000 }; // $0.60 at $3/MTok
    const provider = createScriptedProvider({ pricing, turns: [textTurn('one', { usage })] });
    const loop = createAgentLoop(loopSettings({ provider }));
    const costAccumulator = new CostAccumulator(0.5);
    const result = await loop.run(runInput('a', { costAccumulator }));
    expect(result.outcome).toBe('budget');
    expect(costAccumulator.total).toBeCloseTo(0.6);
  });

  it('rejects, never throws, when the input cannot be read', async () => {
    const loop = createAgentLoop(loopSettings());
    const input = {
      ...runInput('unreadable'),
      get messages(): never {
        throw new Error('messages unreadable');
      },
    } as unknown as AgentLoopRunInput;
    let run: Promise<unknown> | undefined;
    expect(() => {
      run = loop.run(input);
    }).not.toThrow();
    await expect(run).rejects.toThrow('messages unreadable');
  });

  it('names every bad part of a run', async () => {
    const loop = createAgentLoop(loopSettings());
    const bad = {
      messages: [],
      tools: {},
      eventLog: [],
      sessionId: '',
      model: 7,
      maxTurns: 0,
      onToolResult: 'no',
    } as unknown as AgentLoopRunInput;
    const message = await runRejection(loop.run(bad));
    for (const part of [
      'model: Invalid input: expected string',
      'maxTurns: Too small',
      'tools: must be a ToolExecutor (dispatch)',
      'eventLog: must be an EventLog',
      'sessionId: Too small',
      'onToolResult: must be a function',
    ]) {
      expect(message).toContain(part);
    }
  });
});
