import { describe, expect, it } from 'vitest';
import { createMemoryBudgetGate } from '../../../test/helpers/memory-budget-gate.js';
import { createAgentLoop } from '../../agent/create-agent-loop.js';
import { EventLog } from '../../agent/event-log.js';
import { silentLogger } from '../../core/logger.js';
import { createScriptedProvider } from '../../testing/scripted-provider.js';
import { textTurn } from '../../testing/scripted-turn.js';
import { createToolDispatcher } from '../tool-dispatcher.js';
import { pairTools } from '../pair-tools.js';
import { toolkitOptions } from './__fixtures__/sub-agent-fixtures.js';
import { createSubAgentToolkit } from './create-sub-agent-toolkit.js';

describe('run_agent under the gateway budgets', () => {
  it("reserves and settles a sub-agent's model calls on its parent's budgets", async () => {
    const gate = createMemoryBudgetGate({
      budgets: [{ kind: 'tenant', id: 'acme', limitUsd: 1, window: 'day' }],
      prices: { 'scripted-model': { inputPerMTok: 0, outputPerMTok: 10 } },
    });
    const budget = { gate, payer: { tenant: 'acme' } };
    const provider = createScriptedProvider({
      turns: [
        { blocks: [{ type: 'tool_call', id: 'call_0', name: 'run_agent', input: { task: 'look' } }] },
        textTurn('found it', { usage: { outputTokens: 100 } }),
        textTurn('Done.', { usage: { outputTokens: 100 } }),
      ],
    });
    const toolkit = await createSubAgentToolkit(toolkitOptions(provider, { gatewayBudget: () => budget }));
    const dispatcher = createToolDispatcher({ tools: pairTools(toolkit.handlers, toolkit.definitions) });
    const loop = createAgentLoop({ provider, model: 'scripted-model', logger: silentLogger });
    const result = await loop.run({
      messages: [{ role: 'user', content: 'go' }],
      tools: dispatcher,
      eventLog: new EventLog(),
      sessionId: 'parent-session-0123456789',
      getToolDefinitions: () => dispatcher.getToolDefinitions(),
      budget,
      runId: 'run_parent',
    });

    expect(result.outcome).toBe('completed');
    // The parent's two turns and the sub-agent's one, each reserved and settled.
    expect(gate.asked).toHaveLength(3);
    expect(gate.settled.size).toBe(3);
    expect(gate.reservedMicros()).toBe(0);
    expect(gate.spentMicros('tenant:acme')).toBe(2_000);
  });
});
