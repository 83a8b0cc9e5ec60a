import { describe, expect, it } from 'vitest';
import { createRedisStores } from '../../src/stores/redis/create-redis-stores.js';
import { createSqlBudgetCounters } from '../../src/database/sql/sql-budget-counters.js';
import { createPgEngine } from '../../src/database/sql/pg-engine.js';
import { runMigrations } from '../../src/database/sql/run-migrations.js';
import { silentLogger } from '../../src/core/logger.js';
import type { BudgetCounterStore } from '../../src/core/budget-counter-store.js';
import { redisUnavailableReason, startRedisServer } from '../redis/helpers/start-redis-server.js';
import { postgresUnavailableReason, startPostgresServer } from '../helpers/postgres-server.js';
import { chargeOf, gateOn } from './budget-counter-contract.js';

const budgets = [{ scope: 'tenant' as const, limitUsd: 1, window: 'day' as const }];

/** Checks the gate on `counters` before and after `stop()` takes its backend away. */
async function expectFailClosedThenOpen(
  counters: BudgetCounterStore,
  stop: () => Promise<void>,
): Promise<void> {
  const clock = { now: Date.UTC(2026, 10, 28, 12) };
  const failures: unknown[] = [];
  const closed = gateOn(counters, budgets, clock);
  const open = gateOn(counters, budgets, clock, {
    failOpen: true,
    onFailOpen: (error) => failures.push(error),
  });
  expect((await closed.reserve(chargeOf())).admitted).toBe(true);
  await stop();
  expect(await closed.reserve(chargeOf())).toMatchObject({
    admitted: false,
    refusal: { code: 'budget_store_unavailable', status: 503, retryAfterSeconds: 5 },
  });
  const admitted = await open.reserve(chargeOf());
  expect(admitted.admitted).toBe(true);
  expect(failures).toHaveLength(1);
}

describe('a budget gate whose counter store is down', () => {
  it.skipIf(redisUnavailableReason() !== undefined)(
    'refuses with budget_store_unavailable when Redis is stopped, and admits when set to fail open',
    async () => {
      const server = await startRedisServer();
      const stores = createRedisStores({ url: server.url, keyPrefix: 'budget-down:' });
      await stores.connect?.();
      try {
        const counters = stores.budgetCounters;
        if (counters === undefined) throw new Error('the Redis stores have budget counters');
        await expectFailClosedThenOpen(counters, () => server.down());
      } finally {
        await stores.close();
        await server.stop();
      }
    },
  );

  it.skipIf(postgresUnavailableReason() !== undefined)(
    'refuses with budget_store_unavailable when PostgreSQL is stopped, and admits when set to fail open',
    async () => {
      const server = await startPostgresServer();
      const engine = createPgEngine(await server.createDatabase(), { logger: silentLogger });
      try {
        await runMigrations(engine);
        await expectFailClosedThenOpen(createSqlBudgetCounters(engine), () => server.destroy());
      } finally {
        await engine.close();
        await server.destroy();
      }
    },
  );
});
