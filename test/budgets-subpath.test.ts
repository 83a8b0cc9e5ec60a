import { describe, expect, it } from 'vitest';
import * as root from 'ai-agent-gateway';
import {
  budgetThresholdPayload,
  createBudgetGate,
  createMemoryBudgetCounters,
  createPriceResolver,
  reconcileBudgets,
  usageReport,
  windowAt,
  type BudgetRule,
} from 'ai-agent-gateway/budgets';

describe('ai-agent-gateway/budgets', () => {
  it('exports a working gate over memory counters, the ledger readers and the window arithmetic, none of them at the root', async () => {
    const counters = createMemoryBudgetCounters();
    const budgets: BudgetRule[] = [{ scope: 'tenant', limitUsd: 0.06, window: 'day' }];
    const gate = createBudgetGate({
      budgets,
      prices: createPriceResolver({ metered: { inputPerMTokUsd: 0, outputPerMTokUsd: 50 } }),
      counters: () => counters,
      leaseMs: 60_000,
      sweepIntervalMs: 0,
      onError: (error) => {
        throw error;
      },
    });
    const charge = (callId: string) => ({
      callId,
      runId: 'run_1',
      provider: 'test',
      model: 'metered',
      payer: { tenant: 'acme', subject: 'ada' },
      inputTokens: 0,
      maxOutputTokens: 1_000,
    });
    const first = await gate.reserve(charge('call_1'));
    if (!first.admitted) throw new Error(first.refusal.message);
    // A second worst case of $0.05 does not fit beside the first under $0.06.
    expect(await gate.reserve(charge('call_2'))).toMatchObject({
      admitted: false,
      refusal: { code: 'budget_exceeded', status: 429, scope: 'tenant:acme' },
    });
    await first.reservation.settle({
      inputTokens: 0,
      outputTokens: 100,
      cacheReadTokens: 0,
      cacheCreationTokens: 0,
    });
    expect(await usageReport(counters, { groupBy: 'model' })).toMatchObject([
      { key: 'metered', costMicros: 5_000, calls: 1 },
    ]);
    expect((await reconcileBudgets(counters)).drifts).toEqual([]);
    await gate.close();

    const day = windowAt('day', 'UTC', Date.UTC(2026, 10, 28, 12));
    expect(new Date(day.end ?? 0).toISOString()).toBe('2026-11-29T00:00:00.000Z');
    expect(
      budgetThresholdPayload(
        {
          counterId: 'tenant:acme|day|UTC|2026-11-28T00:00:00.000Z',
          scope: 'tenant:acme',
          window: 'day',
          limitUsd: 10,
          softAtPercent: 80,
          usedUsd: 8.5,
          resetsAt: '2026-11-29T00:00:00.000Z',
        },
        Date.UTC(2026, 10, 28, 12),
      ),
    ).toEqual({
      type: 'budget.threshold_reached',
      timestamp: '2026-11-28T12:00:00.000Z',
      data: {
        scope: 'tenant:acme',
        window: 'day',
        limit_usd: 10,
        spent_usd: 8.5,
        soft_at_percent: 80,
        resets_at: '2026-11-29T00:00:00.000Z',
      },
    });
    for (const name of [
      'createBudgetGate',
      'createMemoryBudgetCounters',
      'usageReport',
      'reconcileBudgets',
    ]) {
      expect(Object.keys(root)).not.toContain(name);
    }
  });
});
