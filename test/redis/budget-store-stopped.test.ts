import { afterEach, describe, expect, it } from 'vitest';
import type { ServerSpec } from '../../src/server/contracts/server-spec.js';
import { createRedisStores } from '../../src/stores/redis/create-redis-stores.js';
import { chatAs, startBudgetedGateway, type BudgetedGateway } from '../helpers/budgeted-gateway.js';
import { createCleanupStack } from '../helpers/cleanup-stack.js';
import { postgresUnavailableReason, startPostgresServer } from '../helpers/postgres-server.js';
import { redisUnavailableReason, startRedisServer } from './helpers/start-redis-server.js';

const cleanup = createCleanupStack();
afterEach(() => cleanup.run());

const budgets: ServerSpec['budgets'] = [{ scope: 'tenant', limitUsd: 1, window: 'day' }];

/** Two gateways on `server`: one as configured (fail closed), one with `budgetStore.failOpen`. */
async function startClosedAndOpen(
  server: ServerSpec,
): Promise<{ closed: BudgetedGateway; open: BudgetedGateway; reported: string[] }> {
  const reported: string[] = [];
  const closed = await startBudgetedGateway(cleanup, { ...server, budgets });
  const open = await startBudgetedGateway(cleanup, {
    ...server,
    budgets,
    budgetStore: { ...server.budgetStore, failOpen: true },
    onError: (_error, where) => void reported.push(where),
  });
  expect((await chatAs(closed.baseUrl, 'acme.ada')).status).toBe(200);
  return { closed, open, reported };
}

/** The gateway that fails closed answers 503 `budget_store_unavailable` with `Retry-After`, before any model call. */
async function expectRefusedClosed(closed: BudgetedGateway): Promise<void> {
  const refused = await chatAs(closed.baseUrl, 'acme.ada');
  expect(refused.status).toBe(503);
  expect(JSON.parse(refused.body)).toMatchObject({ code: 'budget_store_unavailable' });
  expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(0);
  expect(closed.provider.requests).toHaveLength(1);
}

const admittedFailOpen = (reported: string[]): boolean =>
  reported.some((where) => where.includes('admitted: budgetStore.failOpen'));

describe('a running gateway whose budget counter store is stopped', () => {
  it.skipIf(postgresUnavailableReason() !== undefined)(
    'answers 503 budget_store_unavailable with Retry-After when its PostgreSQL is stopped; failOpen admits the call and reports it',
    async () => {
      const postgres = cleanup.add(await startPostgresServer(), (server) => server.destroy());
      const { closed, open, reported } = await startClosedAndOpen({
        database: { postgres: await postgres.createDatabase() },
      });
      await postgres.stop();
      await expectRefusedClosed(closed);
      // Admitted by the budgets; the chat's own thread, in the same stopped database, then fails
      // with the database's answer, not the budgets'.
      const admitted = await chatAs(open.baseUrl, 'acme.bob');
      expect(admitted.body).not.toContain('budget_store_unavailable');
      expect(admittedFailOpen(reported)).toBe(true);
    },
  );

  it.skipIf(redisUnavailableReason() !== undefined)(
    'answers 503 budget_store_unavailable when the Redis its counters live in is stopped; failOpen admits the chat, which reaches the model',
    async () => {
      const state = cleanup.add(await startRedisServer(), (server) => server.stop());
      const countersRedis = cleanup.add(await startRedisServer(), (server) => server.stop());
      const storesOn = async (url: string) => {
        const stores = cleanup.add(createRedisStores({ url, keyPrefix: 'budget-stopped:' }), (opened) =>
          opened.close(),
        );
        await stores.connect?.();
        return stores;
      };
      const [main, counting] = [await storesOn(state.url), await storesOn(countersRedis.url)];
      const { budgetCounters } = counting;
      if (budgetCounters === undefined) throw new Error('the Redis stores keep budget counters');
      // The gateway's state in one Redis, its budget counters in another, which stops.
      const { closed, open, reported } = await startClosedAndOpen({
        store: { ...main, budgetCounters },
        budgetStore: { timeoutMs: 500 },
      });
      await countersRedis.down();
      await expectRefusedClosed(closed);
      const admitted = await chatAs(open.baseUrl, 'acme.bob');
      expect(admitted.status).toBe(200);
      expect(open.provider.requests).toHaveLength(1);
      expect(admittedFailOpen(reported)).toBe(true);
    },
  );
});
