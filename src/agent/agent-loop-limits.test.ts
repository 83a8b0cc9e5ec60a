import { describe, expect, it } from 'vitest';
import { createScriptedProvider } from '../testing/scripted-provider.js';
import { textTurn, toolCallTurn } from '../testing/scripted-turn.js';
import { createFakeToolExecutor, eventsOfType, succeed } from './__fixtures__/fake-tool-executor.js';
import { createRunnerHarness } from './__fixtures__/runner-harness.js';
import { CostAccumulator } from './budget.js';

const pricing = { inputPerMTok: 3, outputPerMTok: 15, cacheReadPerMTok: 0.3, cacheWritePerMTok: 3.75 };
const ask = (text: string) => ({ messages: [{ role: 'user' as const, content: text }] });

describe('agent loop: limits', () => {
  it('stops at the turn limit with the event, the notice and the summary', async () => {
    const provider = createScriptedProvider({
      turns: [toolCallTurn('step', {}), toolCallTurn('step', {})],
    });
    const seenTurnCounts: number[] = [];
    const harness = createRunnerHarness(provider, {
      tools: createFakeToolExecutor({ step: () => succeed('ok') }),
      onMaxTurns: (_messages, turnCount) => {
        seenTurnCounts.push(turnCount);
        return 'Did two steps.';
      },
    });
    const result = await harness.runner.run({ ...ask('go'), maxTurns: 2 });
    expect(eventsOfType(harness.events(), 'max_turns_reached')).toEqual([
      { type: 'max_turns_reached', turn_count: 3, max_turns: 2 },
    ]);
    expect(harness.events().slice(-2)).toMatchObject([
      { type: 'text_delta', text: '\n\n[Max turns reached]\nDid two steps.' },
      { type: 'stream_complete' },
    ]);
    expect(seenTurnCounts).toEqual([3]);
    expect(result.outcome).toBe('max_turns');
    provider.assertAllConsumed();
  });

  it('uses the configured notice (sub-agents) and no summary line without a hook', async () => {
    const provider = createScriptedProvider({ turns: [toolCallTurn('step', {})] });
    const harness = createRunnerHarness(provider, {
      tools: createFakeToolExecutor({ step: () => succeed('ok') }),
      maxTurns: 1,
      maxTurnsNotice: '[Sub-agent reached maximum turn limit]',
    });
    await harness.runner.run(ask('go'));
    expect(harness.text()).toBe('\n\n[Sub-agent reached maximum turn limit]');
  });

  it('stops when a budget shared by two runners is spent', async () => {
    const usage = { inputTokens: 200_000 }; // $0.60 at $3/MTok
    const accumulator = new CostAccumulator(1);
    const first = createRunnerHarness(
      createScriptedProvider({ pricing, turns: [textTurn('one', { usage })] }),
      {
        costAccumulator: accumulator,
      },
    );
    const firstResult = await first.runner.run(ask('a'));
    expect(firstResult.outcome).toBe('completed');
    expect(eventsOfType(first.events(), 'budget_exceeded')).toHaveLength(0);

    const secondProvider = createScriptedProvider({
      pricing,
      turns: [toolCallTurn('more', {}, { usage }), textTurn('never')],
    });
    const second = createRunnerHarness(secondProvider, {
      costAccumulator: accumulator,
      tools: createFakeToolExecutor({ more: () => succeed('x') }),
    });
    const secondResult = await second.runner.run(ask('b'));
    expect(eventsOfType(second.events(), 'budget_exceeded')).toEqual([
      { type: 'budget_exceeded', total_cost: 1.2, budget: 1 },
    ]);
    expect(second.events().slice(-2)).toMatchObject([
      { type: 'text_delta', text: '\n\n[Budget limit reached: $1.2000 >= $1.0000]' },
      { type: 'stream_complete' },
    ]);
    expect(eventsOfType(second.events(), 'tool_call_start')).toHaveLength(0);
    expect(secondResult.outcome).toBe('budget');
    expect(secondProvider.requests).toHaveLength(1);
  });
});
