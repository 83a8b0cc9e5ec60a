import { describe, expect, it } from 'vitest';
import { createMemoryBudgetCounters } from '../stores/memory/memory-budget-counters.js';
import { runBudgetsCommand } from './budgets-command.js';

/** Counters holding one settled call of tenant acme: $0.0025 on gpt-x. */
async function countersWithOneCall() {
  const counters = createMemoryBudgetCounters();
  const outcome = await counters.reserve({
    callId: 'call-1',
    amountMicros: 10_000,
    holds: [{ counterId: 'tenant:acme|total', limitMicros: 1_000_000, windowEndsAt: undefined }],
    leaseUntil: Date.now() + 60_000,
    entry: { runId: 'run-1', provider: 'openai', model: 'gpt-x', payer: { tenant: 'acme', subject: 'ada' } },
  });
  expect(outcome.reserved).toBe(true);
  await counters.settle('call-1', {
    costMicros: 2_500,
    usage: { inputTokens: 100, outputTokens: 10, cacheReadTokens: 0, cacheCreationTokens: 0 },
    priceVersion: 'override',
    at: Date.now(),
  });
  return counters;
}

describe('agent-gateway usage and budgets reconcile', () => {
  it("prints a tenant's spend by model, and no drift for counters that match their ledger", async () => {
    const counters = await countersWithOneCall();
    const lines: string[] = [];
    const io = {
      out: (line: string) => void lines.push(line),
      err: (line: string) => void lines.push(`ERR ${line}`),
      openCounters: () => Promise.resolve({ counters, close: () => Promise.resolve() }),
    };
    expect(await runBudgetsCommand('usage', ['--tenant', 'acme'], io)).toBe(0);
    expect(lines[0]).toBe('openai/gpt-x\t1 call(s)\t$0.002500');
    expect(lines[1]).toMatch(/^total since .*\t\$0\.002500$/);

    lines.length = 0;
    expect(await runBudgetsCommand('budgets', ['reconcile'], io)).toBe(0);
    expect(lines).toEqual(['no drift']);
    expect(await runBudgetsCommand('budgets', ['rebuild'], io)).toBe(2);
  });
});
