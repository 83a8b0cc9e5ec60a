import { describe, expect, it } from 'vitest';
import { silentLogger } from '../core/logger.js';
import { createScriptedProvider } from '../testing/scripted-provider.js';
import { textTurn, toolCallTurn } from '../testing/scripted-turn.js';
import { createFakeToolExecutor, eventsOfType, succeed } from './__fixtures__/fake-tool-executor.js';
import type { AgentRunnerOptions } from './agent-runner-options.js';
import { CostAccumulator } from './budget.js';
import { EventLog } from './event-log.js';
import { RunnerTemplate, type PerRunRunnerOptions } from './runner-template.js';
import { invalidOptionMessage } from './__fixtures__/invalid-option-message.js';

const pricing = { inputPerMTok: 3, outputPerMTok: 15, cacheReadPerMTok: 0.3, cacheWritePerMTok: 3.75 };
const ask = (text: string) => ({ messages: [{ role: 'user' as const, content: text }] });

const templateOptions = (overrides: Partial<AgentRunnerOptions> = {}): AgentRunnerOptions => ({
  provider: createScriptedProvider(),
  tools: createFakeToolExecutor(),
  eventLog: new EventLog(),
  sessionId: 'sample',
  model: 'template-model',
  logger: silentLogger,
  ...overrides,
});

const perRun = (overrides: Partial<PerRunRunnerOptions> = {}): PerRunRunnerOptions => ({
  tools: createFakeToolExecutor(),
  eventLog: new EventLog(),
  sessionId: 'sess_run',
  ...overrides,
});

const rejection = invalidOptionMessage;

describe('RunnerTemplate', () => {
  it('rejects bad options when it is built, not when a run starts', () => {
    expect(rejection(() => new RunnerTemplate(templateOptions({ maxTokens: -1 })))).toMatch(
      /^runAgent: maxTokens/,
    );
  });

  it("runs with the template's settings and each run's own log, tools, model and turn limit", async () => {
    const provider = createScriptedProvider({ turns: [toolCallTurn('step', {}), toolCallTurn('step', {})] });
    const template = new RunnerTemplate(templateOptions({ provider, maxTurns: 5, maxTokens: 4_096 }));
    const eventLog = new EventLog();
    const runner = template.runner(
      perRun({
        eventLog,
        tools: createFakeToolExecutor({ step: () => succeed('ok') }),
        model: 'run-model',
        maxTurns: 1,
      }),
    );
    const result = await runner.run(ask('go'));
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
    const template = new RunnerTemplate(templateOptions({ provider, maxBudgetUsd: 0.5 }));
    const firstLog = new EventLog();
    await template.runner(perRun({ eventLog: firstLog })).run(ask('a'));
    expect(
      eventsOfType(
        firstLog.entries().map((entry) => entry.event),
        'budget_exceeded',
      ),
    ).toHaveLength(1);
    const secondLog = new EventLog();
    const second = await template.runner(perRun({ eventLog: secondLog })).run(ask('b'));
    expect(second.outcome).toBe('completed');
    expect(
      eventsOfType(
        secondLog.entries().map((entry) => entry.event),
        'budget_exceeded',
      ),
    ).toHaveLength(0);
  });

  it('names every bad per-run part', () => {
    const template = new RunnerTemplate(templateOptions());
    const bad = {
      tools: {},
      eventLog: [],
      sessionId: '',
      model: 7,
      maxTurns: 0,
      onToolResult: 'no',
    } as unknown as PerRunRunnerOptions;
    expect(rejection(() => template.runner(bad))).toBe(
      'runAgent: eventLog: must be an EventLog; tools: must be a ToolExecutor (dispatch); ' +
        'sessionId: must be a non-empty string; model: must be a non-empty string; ' +
        'maxTurns: must be a positive integer; onToolResult: must be a function',
    );
  });

  it('refuses to share a sample cost accumulator between runs', () => {
    const template = new RunnerTemplate(templateOptions({ costAccumulator: new CostAccumulator(1) }));
    expect(rejection(() => template.runner(perRun()))).toMatch(/costAccumulator: each run needs its own/);
    expect(() => template.runner(perRun({ costAccumulator: new CostAccumulator(1) }))).not.toThrow();
  });

  it('refuses a per-run accumulator next to a template budget', () => {
    const template = new RunnerTemplate(templateOptions({ maxBudgetUsd: 1 }));
    expect(rejection(() => template.runner(perRun({ costAccumulator: new CostAccumulator(1) })))).toMatch(
      /either maxBudgetUsd or costAccumulator/,
    );
  });
});
