import { afterEach, describe, expect, it, vi } from 'vitest';
import { bearerRequest } from './helpers/bearer-request.js';
import { chatAs, startBudgetedGateway } from './helpers/budgeted-gateway.js';
import { createCleanupStack } from './helpers/cleanup-stack.js';
import { useSharedPostgresServer } from './helpers/shared-postgres-server.js';

const cleanup = createCleanupStack();
afterEach(async () => {
  await cleanup.run();
  vi.useRealTimers();
});
const { unavailable, createDatabase } = useSharedPostgresServer();

describe.skipIf(unavailable !== undefined)('GET /usage lists the budgets that apply to the caller', () => {
  it('lists the configured budget, the plan budgetFor gives and a runtime override, each with its window standing', async () => {
    vi.useFakeTimers({ toFake: ['Date'], shouldAdvanceTime: true });
    vi.setSystemTime(new Date('2026-11-28T12:00:00.000Z'));
    const { baseUrl } = await startBudgetedGateway(
      cleanup,
      {
        database: { postgres: await createDatabase() },
        budgets: [
          { scope: 'tenant', limitUsd: 10, window: 'month', timeZone: 'Europe/Berlin' },
          { scope: 'subject', limitUsd: 2, window: 'day' },
        ],
        // acme's plan replaces the configured tenant budget of the same window.
        budgetFor: ({ tenant }) =>
          tenant === 'acme' ? [{ scope: 'tenant', limitUsd: 50, window: 'month' }] : undefined,
      },
      { outputTokens: 100 },
    );
    const set = await bearerRequest(baseUrl, 'PUT', '/budgets/subject/ada', 'acme.root', {
      window: 'total',
      limit_usd: 5,
    });
    expect(set.status).toBe(200);
    // 100 output tokens at $50/M: $0.005 on every budget of the call.
    expect((await chatAs(baseUrl, 'acme.ada')).status).toBe(200);

    const usage = await bearerRequest(baseUrl, 'GET', '/usage', 'acme.ada');
    expect(usage.status).toBe(200);
    const body = (await usage.json()) as { budgets: Array<Record<string, unknown>>; spent_usd: number };
    expect(body.spent_usd).toBe(0.005);
    const byScope = Object.fromEntries(
      body.budgets.map((budget) => [`${String(budget['scope'])}|${String(budget['window'])}`, budget]),
    );
    expect(Object.keys(byScope).sort()).toEqual([
      'subject:ada|day',
      'subject:ada|total',
      'tenant:acme|month',
    ]);
    expect(byScope['tenant:acme|month']).toEqual({
      scope: 'tenant:acme',
      window: 'month',
      time_zone: 'UTC',
      limit_usd: 50,
      spent_usd: 0.005,
      reserved_usd: 0,
      remaining_usd: 49.995,
      resets_at: '2026-12-01T00:00:00.000Z',
      source: 'plan',
    });
    expect(byScope['subject:ada|day']).toMatchObject({
      limit_usd: 2,
      spent_usd: 0.005,
      remaining_usd: 1.995,
      resets_at: '2026-11-29T00:00:00.000Z',
      source: 'configured',
    });
    expect(byScope['subject:ada|total']).toMatchObject({
      limit_usd: 5,
      spent_usd: 0.005,
      remaining_usd: 4.995,
      resets_at: null,
      source: 'override',
    });

    // Another tenant's member has no plan: the configured tenant budget, in its time zone.
    const other = (await (await bearerRequest(baseUrl, 'GET', '/usage', 'initech.joe')).json()) as {
      budgets: Array<Record<string, unknown>>;
    };
    expect(other.budgets).toContainEqual(
      expect.objectContaining({
        scope: 'tenant:initech',
        limit_usd: 10,
        time_zone: 'Europe/Berlin',
        spent_usd: 0,
        resets_at: '2026-11-30T23:00:00.000Z',
        source: 'configured',
      }),
    );
  });
});
