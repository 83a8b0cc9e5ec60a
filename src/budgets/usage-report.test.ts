import { describe, expect, it } from 'vitest';
import { createMemoryBudgetCounters } from '../stores/memory/memory-budget-counters.js';
import { reconcileBudgets } from './reconcile-budgets.js';
import { usageReport } from './usage-report.js';

const spend = async (
  store: ReturnType<typeof createMemoryBudgetCounters>,
  callId: string,
  subject: string,
  model: string,
  at: number,
  costMicros: number,
) => {
  await store.reserve({
    callId,
    amountMicros: costMicros,
    holds: [{ counterId: 'tenant:acme|total', limitMicros: 10_000_000, windowEndsAt: undefined }],
    leaseUntil: at + 60_000,
    entry: { runId: 'run', provider: 'test', model, payer: { tenant: 'acme', subject } },
  });
  await store.settle(callId, {
    costMicros,
    usage: { inputTokens: 10, outputTokens: 5, cacheReadTokens: 1, cacheCreationTokens: 0 },
    priceVersion: 'override',
    at,
  });
};

describe('usageReport', () => {
  it('sums a tenant ledger by subject, by model and by local day', async () => {
    const store = createMemoryBudgetCounters();
    await spend(store, 'a', 'ann', 'small', Date.parse('2026-11-27T23:30:00Z'), 100);
    await spend(store, 'b', 'bob', 'large', Date.parse('2026-11-28T10:00:00Z'), 1_000);
    await spend(store, 'c', 'ann', 'large', Date.parse('2026-11-28T11:00:00Z'), 10);
    expect(
      (await usageReport(store, { tenant: 'acme', groupBy: 'subject' })).map((row) => [
        row.key,
        row.costMicros,
      ]),
    ).toEqual([
      ['ann', 110],
      ['bob', 1_000],
    ]);
    expect((await usageReport(store, { tenant: 'acme', groupBy: 'model' })).map((row) => row.key)).toEqual([
      'large',
      'small',
    ]);
    const days = await usageReport(store, { tenant: 'acme', groupBy: 'day', timeZone: 'Europe/Berlin' });
    expect(days.map((row) => [row.key, row.calls])).toEqual([['2026-11-28', 3]]);
    const utcDays = await usageReport(store, { tenant: 'acme', groupBy: 'day' });
    expect(utcDays.map((row) => [row.key, row.calls])).toEqual([
      ['2026-11-27', 1],
      ['2026-11-28', 2],
    ]);
    expect(await usageReport(store, { tenant: 'other' })).toEqual([]);
    expect(await reconcileBudgets(store)).toEqual({ drifts: [], repaired: false });
  });
});
