import { afterEach, describe, expect, it, vi } from 'vitest';
import { bearerRequest } from './helpers/bearer-request.js';
import { chatAs, startBudgetedGateway } from './helpers/budgeted-gateway.js';
import { createCleanupStack } from './helpers/cleanup-stack.js';
import { useSharedPostgresServer } from './helpers/shared-postgres-server.js';

/*
 * Budget windows through a running gateway on PostgreSQL: the gate reads the wall clock
 * (`Date.now`, taken when the gate is made), which the tests move with a fake `Date` installed
 * before the gateway starts (timers stay real, and the clock ticks on from where it is set).
 * Every chat spends its whole worst case, $0.05.
 */

const cleanup = createCleanupStack();
afterEach(async () => {
  await cleanup.run();
  vi.useRealTimers();
});
const { unavailable, createDatabase } = useSharedPostgresServer();

/** Sets the wall clock the gateway reads to `iso`, ticking on from there (one fake clock per test). */
const setClock = (iso: string): void => {
  if (!vi.isFakeTimers()) vi.useFakeTimers({ toFake: ['Date'], shouldAdvanceTime: true });
  vi.setSystemTime(new Date(iso));
};

describe.skipIf(unavailable !== undefined)('budget windows on a running gateway', () => {
  it('admits again at the first request after local midnight of the 1st in Europe/Berlin, not at UTC midnight', async () => {
    // 23:58 on 30 November in Berlin (UTC+1).
    setClock('2026-11-30T22:58:00.000Z');
    const { baseUrl } = await startBudgetedGateway(cleanup, {
      database: { postgres: await createDatabase() },
      budgets: [{ scope: 'tenant', limitUsd: 0.05, window: 'month', timeZone: 'Europe/Berlin' }],
    });
    expect((await chatAs(baseUrl, 'acme.ada')).status).toBe(200);
    const spent = await chatAs(baseUrl, 'acme.bob');
    expect(spent.status).toBe(429);
    expect(JSON.parse(spent.body)).toMatchObject({
      code: 'budget_exceeded',
      scope: 'tenant:acme',
      resets_at: '2026-11-30T23:00:00.000Z',
    });
    const retryAfter = Number(spent.headers.get('retry-after'));
    expect(retryAfter).toBeGreaterThan(60);
    expect(retryAfter).toBeLessThanOrEqual(120);

    // Still 30 November in UTC, already 1 December in Berlin.
    setClock('2026-11-30T23:00:01.000Z');
    const next = await chatAs(baseUrl, 'acme.cy');
    expect(next.status).toBe(200);
    expect(next.headers.get('x-budget-reset')).toBe('2026-12-31T23:00:00.000Z');
  });

  it('never admits again under a total budget, a year on', async () => {
    setClock('2026-11-30T12:00:00.000Z');
    const { baseUrl } = await startBudgetedGateway(cleanup, {
      database: { postgres: await createDatabase() },
      budgets: [{ scope: 'subject', limitUsd: 0.05, window: 'total' }],
    });
    const first = await chatAs(baseUrl, 'acme.ada');
    expect(first.status).toBe(200);
    expect(first.headers.get('x-budget-reset')).toBe('never');
    for (const iso of ['2026-12-01T00:00:01.000Z', '2027-12-01T00:00:01.000Z']) {
      setClock(iso);
      const refused = await chatAs(baseUrl, 'acme.ada');
      expect(refused.status).toBe(402);
      expect(refused.headers.get('retry-after')).toBeNull();
      expect(JSON.parse(refused.body)).toMatchObject({ scope: 'subject:ada', resets_at: null });
    }
    expect((await chatAs(baseUrl, 'acme.bob')).status).toBe(200);
  });

  it('applies a limit changed through PUT /budgets/:scope/:id on the next request, on both instances', async () => {
    const postgres = await createDatabase();
    const server = {
      database: { postgres },
      budgets: [{ scope: 'tenant' as const, limitUsd: 0.05, window: 'month' as const }],
    };
    const a = await startBudgetedGateway(cleanup, server);
    const b = await startBudgetedGateway(cleanup, server);
    expect((await chatAs(a.baseUrl, 'acme.ada')).status).toBe(200);
    expect((await chatAs(a.baseUrl, 'acme.ada')).status).toBe(429);
    expect((await chatAs(b.baseUrl, 'acme.bob')).status).toBe(429);

    const raised = await bearerRequest(a.baseUrl, 'PUT', '/budgets/tenant/acme', 'acme.root', {
      window: 'month',
      limit_usd: 0.15,
    });
    expect(raised.status).toBe(200);
    expect((await chatAs(b.baseUrl, 'acme.bob')).status).toBe(200);
    expect((await chatAs(a.baseUrl, 'acme.ada')).status).toBe(200);
    expect((await chatAs(b.baseUrl, 'acme.cy')).status).toBe(429);

    const lowered = await bearerRequest(b.baseUrl, 'PUT', '/budgets/tenant/acme', 'acme.root', {
      window: 'month',
      limit_usd: null,
    });
    expect(lowered.status).toBe(200);
    // Back to the configured $0.05, long spent: refused on both.
    expect((await chatAs(a.baseUrl, 'acme.ada')).status).toBe(429);
    expect((await chatAs(b.baseUrl, 'acme.bob')).status).toBe(429);
    expect(a.provider.requests.length + b.provider.requests.length).toBe(3);
  });
});
