import { describe, expect, it } from 'vitest';
import type { BudgetGate, BudgetReservation } from '../core/budget-gate.js';
import { silentLogger } from '../core/logger.js';
import { createMemoryBudgetGate } from '../../test/helpers/memory-budget-gate.js';
import { createScriptedProvider } from '../testing/scripted-provider.js';
import { textTurn, toolCallTurn } from '../testing/scripted-turn.js';
import { createFakeToolExecutor, succeed } from './__fixtures__/fake-tool-executor.js';
import { createRunnerHarness } from './__fixtures__/runner-harness.js';

const ask = { messages: [{ role: 'user' as const, content: 'go' }], runId: 'run_1' };
/** $1 per million input tokens, $10 per million output: 1 000 output tokens are $0.01. */
const prices = { 'scripted-model': { inputPerMTok: 1, outputPerMTok: 10 } };
const payer = { tenant: 'acme' };

/** The first call's reservation as the server makes it before a run starts (call id `pre`). */
async function preAdmitted(gate: BudgetGate): Promise<BudgetReservation> {
  const admission = await gate.reserve({
    callId: 'pre',
    runId: 'run_1',
    provider: 'scripted',
    model: 'scripted-model',
    payer,
    inputTokens: 10,
    maxOutputTokens: 1_000,
  });
  if (!admission.admitted) throw new Error('the pre-admission was refused');
  return admission.reservation;
}

describe('agent loop: gateway budgets', () => {
  it('reserves each model call and settles it to the usage the provider reported', async () => {
    const gate = createMemoryBudgetGate({
      budgets: [{ kind: 'tenant', id: 'acme', limitUsd: 1, window: 'day' }],
      prices,
    });
    const provider = createScriptedProvider({
      turns: [textTurn('Hello.', { usage: { inputTokens: 1_000, outputTokens: 100 } })],
    });
    const harness = createRunnerHarness(provider, { maxTokens: 1_000 });
    const result = await harness.runner.run({ ...ask, budget: { gate, payer } });

    expect(result.outcome).toBe('completed');
    expect(gate.asked).toHaveLength(1);
    expect(gate.asked[0]).toMatchObject({ runId: 'run_1', model: 'scripted-model', maxOutputTokens: 1_000 });
    expect(gate.asked[0]?.inputTokens).toBeGreaterThan(0);
    // 1 000 input at $1/M plus 100 output at $10/M: $0.002.
    expect(gate.spentMicros('tenant:acme')).toBe(2_000);
    expect(gate.reservedMicros()).toBe(0);
  });

  it('ends a run whose budget refuses its next turn as budget_exceeded, its tool step kept', async () => {
    // The first turn's worst case ($0.01 and a little input) fits; its settled cost ($0.005) and
    // the next turn's worst case do not.
    const gate = createMemoryBudgetGate({
      budgets: [{ kind: 'tenant', id: 'acme', limitUsd: 0.012, window: 'month' }],
      prices,
    });
    const provider = createScriptedProvider({
      turns: [
        toolCallTurn('lookup', { q: 'x' }, { id: 'call_1', usage: { outputTokens: 500 } }),
        textTurn('never reached'),
      ],
    });
    const tools = createFakeToolExecutor({ lookup: () => succeed({ found: true }) });
    const harness = createRunnerHarness(provider, { maxTokens: 1_000, tools });
    const result = await harness.runner.run({ ...ask, budget: { gate, payer } });

    expect(result.outcome).toBe('budget_exceeded');
    expect(provider.requests).toHaveLength(1);
    expect(tools.calls).toHaveLength(1);
    const last = result.messages.at(-1);
    expect(last?.role).toBe('user');
    expect(last?.content).toEqual([
      { type: 'tool_result', tool_use_id: 'call_1', content: '{"found":true}' },
    ]);
    const types = harness.types();
    expect(types).not.toContain('error');
    expect(types.slice(-3)).toEqual(['budget_exceeded', 'text_delta', 'stream_complete']);
    expect(harness.events().find((event) => event.type === 'budget_exceeded')).toMatchObject({
      scope: 'tenant:acme',
      budget: 0.012,
    });
    expect(gate.reservedMicros()).toBe(0);
  });

  it('uses the reservation admitted before the run for its first call instead of reserving again', async () => {
    const gate = createMemoryBudgetGate({
      budgets: [{ kind: 'agent', limitUsd: 1, window: 'total' }],
      prices,
    });
    const admitted = await preAdmitted(gate);
    const provider = createScriptedProvider({ turns: [textTurn('Hi.', { usage: { outputTokens: 10 } })] });
    const harness = createRunnerHarness(provider, { maxTokens: 1_000 });
    await harness.runner.run({ ...ask, budget: { gate, payer, admitted } });

    expect(gate.asked).toHaveLength(1);
    expect(gate.settled.get('pre')).toBe(100);
    expect(gate.reservedMicros()).toBe(0);
  });

  it('gives back a pre-admitted reservation the run never used', async () => {
    const gate = createMemoryBudgetGate({ budgets: [{ kind: 'agent', limitUsd: 1, window: 'day' }], prices });
    const admitted = await preAdmitted(gate);
    const aborted = new AbortController();
    aborted.abort();
    const provider = createScriptedProvider({ turns: [] });
    const harness = createRunnerHarness(provider);
    const result = await harness.runner.run({
      ...ask,
      signal: aborted.signal,
      budget: { gate, payer, admitted },
    });

    expect(result.outcome).toBe('aborted');
    expect(gate.reservedMicros()).toBe(0);
    expect(gate.settled.size).toBe(0);
  });

  it('ends a run whose client leaves while its reservation waits as aborted, not as a store failure, and logs nothing', async () => {
    const controller = new AbortController();
    const reserving: BudgetGate = {
      reserve: (_charge, signal) =>
        new Promise((_resolve, reject) => {
          signal?.addEventListener('abort', () => reject(new Error('the caller stopped waiting')), {
            once: true,
          });
          controller.abort();
        }),
      close: () => Promise.resolve(),
    };
    const errors: string[] = [];
    const logger = { ...silentLogger, error: (message: string) => void errors.push(message) };
    const provider = createScriptedProvider({ turns: [] });
    const harness = createRunnerHarness(provider, { logger });
    const result = await harness.runner.run({
      ...ask,
      signal: controller.signal,
      budget: { gate: reserving, payer },
    });

    expect(result.outcome).toBe('aborted');
    expect(provider.requests).toHaveLength(0);
    expect(harness.types()).not.toContain('budget_exceeded');
    expect(errors).toEqual([]);
  });

  it('settles a call cut off by the client to what it streamed, and holds nothing after', async () => {
    const gate = createMemoryBudgetGate({
      budgets: [{ kind: 'tenant', id: 'acme', limitUsd: 1, window: 'day' }],
      prices,
    });
    const controller = new AbortController();
    const provider = createScriptedProvider({
      turns: [{ blocks: [{ type: 'text', text: 'a long answer that is cut' }], stallAfterEvents: 3 }],
    });
    const harness = createRunnerHarness(provider, { maxTokens: 1_000, streamStallTimeoutMs: 60_000 });
    const running = harness.runner.run({ ...ask, signal: controller.signal, budget: { gate, payer } });
    await waitUntil(() => harness.types().includes('text_delta'));
    controller.abort();
    const result = await running;

    expect(result.outcome).toBe('aborted');
    expect(gate.reservedMicros()).toBe(0);
    expect(gate.settled.size).toBe(1);
    expect([...gate.settled.values()][0]).toBeGreaterThan(0);
  });

  it('ends the run in error with the refusal code when the budget store is down', async () => {
    const gate = createMemoryBudgetGate({ budgets: [{ kind: 'agent', limitUsd: 1, window: 'day' }], prices });
    gate.failing = true;
    const provider = createScriptedProvider({ turns: [textTurn('never')] });
    const harness = createRunnerHarness(provider);
    const result = await harness.runner.run({ ...ask, budget: { gate, payer } });

    expect(result).toMatchObject({ outcome: 'error', errorCode: 'budget_store_unavailable' });
    expect(provider.requests).toHaveLength(0);
    expect(harness.events().at(-1)).toMatchObject({ type: 'error', code: 'budget_store_unavailable' });
  });

  it('refuses a model without a price under a budget, naming server.prices', async () => {
    const gate = createMemoryBudgetGate({
      budgets: [{ kind: 'agent', limitUsd: 1, window: 'day' }],
      prices: {},
    });
    const provider = createScriptedProvider({ turns: [textTurn('never')] });
    const harness = createRunnerHarness(provider);
    const result = await harness.runner.run({ ...ask, budget: { gate, payer } });

    expect(result.errorCode).toBe('model_unpriced');
    expect(result.error).toContain('server.prices');
    expect(provider.requests).toHaveLength(0);
  });
});

/** Waits, a microtask turn and a timer tick at a time, until `condition` holds. */
async function waitUntil(condition: () => boolean): Promise<void> {
  for (let tries = 0; tries < 1_000 && !condition(); tries += 1) {
    await new Promise((resolve) => setTimeout(resolve, 1));
  }
  if (!condition()) throw new Error('condition never held');
}
