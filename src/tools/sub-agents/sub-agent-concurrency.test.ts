import { setTimeout as delay } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import type { RunOptions } from '../../agent/agent-loop-input.js';
import { createAgentLoop } from '../../agent/create-agent-loop.js';
import { CostAccumulator } from '../../agent/budget.js';
import { EventLog } from '../../agent/event-log.js';
import { silentLogger } from '../../core/logger.js';
import type { GatewayEvent } from '../../core/events.js';
import type { Provider } from '../../core/provider.js';
import { createScriptedProvider } from '../../testing/scripted-provider.js';
import type { ScriptedTurn } from '../../testing/scripted-turn.js';
import { textTurn } from '../../testing/scripted-turn.js';
import { createToolDispatcher } from '../tool-dispatcher.js';
import { pairTools } from '../pair-tools.js';
import {
  createGate,
  createGatedProvider,
  isSubAgentRequest,
  toolkitOptions,
} from './__fixtures__/sub-agent-fixtures.js';
import { createSubAgentToolkit } from './create-sub-agent-toolkit.js';
import type { SubAgentToolkitOptions } from './sub-agent-toolkit-options.js';

const runAgentCalls = (...tasks: string[]): ScriptedTurn => ({
  blocks: tasks.map((task, index) => ({
    type: 'tool_call' as const,
    id: `call_${index}`,
    name: 'run_agent',
    input: { task },
  })),
});

/** A parent run whose dispatcher holds the sub-agent toolkit, as createAgent wires it. */
async function createParent(
  provider: Provider,
  overrides: Partial<SubAgentToolkitOptions> & { costAccumulator?: CostAccumulator } = {},
) {
  const costAccumulator = overrides.costAccumulator ?? new CostAccumulator();
  const toolkit = await createSubAgentToolkit(toolkitOptions(provider, { ...overrides, costAccumulator }));
  const dispatcher = createToolDispatcher({ tools: pairTools(toolkit.handlers, toolkit.definitions) });
  const eventLog = new EventLog();
  const loop = createAgentLoop({
    provider,
    model: 'scripted-model',
    logger: silentLogger,
    retry: { baseDelayMs: 0 },
  });
  const runner = {
    run: (input: RunOptions) =>
      loop.run({
        ...input,
        tools: dispatcher,
        eventLog,
        sessionId: 'parent-session-0123456789',
        getToolDefinitions: () => dispatcher.getToolDefinitions(),
        costAccumulator,
      }),
  };
  const events = (): GatewayEvent[] => eventLog.entries().map((entry) => entry.event);
  return { toolkit, runner, events };
}

const ask = (signal?: AbortSignal) => ({
  messages: [{ role: 'user' as const, content: 'go' }],
  ...(signal === undefined ? {} : { signal }),
});

describe('run_agent inside a parent run', () => {
  it('runs two run_agent calls of one turn concurrently', async () => {
    const scripted = createScriptedProvider({
      turns: [
        runAgentCalls('first', 'second'),
        textTurn('from A'),
        textTurn('from B'),
        textTurn('Both done.'),
      ],
    });
    // Each sub-agent's first provider call waits until both are in flight: only concurrent
    // sub-agents meet there. Sequential ones would each hit the fallback and say so.
    const barrier = createGate();
    let arrivals = 0;
    const met: string[] = [];
    const provider = createGatedProvider(scripted, async (request) => {
      if (!isSubAgentRequest(request)) return;
      arrivals += 1;
      if (arrivals === 2) barrier.open();
      const giveUp = new AbortController();
      const fallback = delay(5_000, 'missed', { signal: giveUp.signal }).catch(() => 'missed');
      met.push(await Promise.race([barrier.promise.then(() => 'met'), fallback]));
      giveUp.abort();
    });
    const { toolkit, runner, events } = await createParent(provider);
    const result = await runner.run(ask());
    await toolkit.close();

    expect(result.outcome).toBe('completed');
    expect(met).toEqual(['met', 'met']);
    const completed = events().filter((event) => event.type === 'tool_call_complete');
    expect(completed.map((event) => (event.result as { response: string }).response).sort()).toEqual([
      'from A',
      'from B',
    ]);
    expect(
      events()
        .filter((event) => event.type === 'tool_call_start')
        .map((event) => event.call_index),
    ).toEqual([0, 1]);
    scripted.assertAllConsumed();
  });

  it('shares the budget: a costly sub-agent stops the parent', async () => {
    const provider = createScriptedProvider({
      turns: [
        runAgentCalls('expensive research'),
        // 100 000 output tokens at $15/M = $1.50, over the $1 budget.
        textTurn('Expensive findings.', { usage: { outputTokens: 100_000 } }),
        { blocks: [{ type: 'tool_call', id: 'again', name: 'run_agent', input: { task: 'more' } }] },
      ],
    });
    const { toolkit, runner, events } = await createParent(provider, {
      costAccumulator: new CostAccumulator(1),
    });
    const result = await runner.run(ask());
    await toolkit.close();

    expect(result.outcome).toBe('budget');
    const subResult = events().find((event) => event.type === 'tool_call_complete');
    expect(subResult).toMatchObject({ result: { warning: 'Sub-agent stopped: budget limit reached' } });
    expect(events().filter((event) => event.type === 'budget_exceeded')).toHaveLength(1);
    // The parent's second turn asked for another sub-agent; the budget stopped it instead.
    expect(events().filter((event) => event.type === 'tool_call_start')).toHaveLength(1);
    provider.assertAllConsumed();
  });

  it('cancels a running sub-agent when the parent run is cancelled', async () => {
    const scripted = createScriptedProvider({
      turns: [runAgentCalls('long task'), textTurn('never finished', { stallAfterEvents: 1 })],
    });
    const subAgentStarted = createGate();
    let subAgentSignal: AbortSignal | undefined;
    const provider = createGatedProvider(scripted, (request, signal) => {
      if (isSubAgentRequest(request)) {
        subAgentSignal = signal;
        subAgentStarted.open();
      }
      return undefined;
    });
    const { toolkit, runner, events } = await createParent(provider);
    const parent = new AbortController();
    const running = runner.run(ask(parent.signal));
    await subAgentStarted.promise;
    parent.abort();
    const result = await running;
    await toolkit.close({ cancel: true });

    expect(result.outcome).toBe('aborted');
    expect(subAgentSignal?.aborted).toBe(true);
    expect(events().find((event) => event.type === 'tool_call_complete')).toMatchObject({
      error: { code: 'cancelled' },
    });
  });
});
