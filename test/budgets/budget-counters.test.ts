import { createRedisStores } from '../../src/stores/redis/create-redis-stores.js';
import { redisUnavailableReason, startRedisServer } from '../redis/helpers/start-redis-server.js';
import { createMemoryBudgetCounters } from '../../src/stores/memory/memory-budget-counters.js';
import { createSqlBudgetCounters } from '../../src/database/sql/sql-budget-counters.js';
import { createSoleWriterBudgetCounters } from '../../src/database/sql/sole-writer-budget-counters.js';
import { createPgEngine } from '../../src/database/sql/pg-engine.js';
import { runMigrations } from '../../src/database/sql/run-migrations.js';
import { silentLogger } from '../../src/core/logger.js';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createPgliteEngineFromTemplate } from '../helpers/pglite-template.js';
import { postgresUnavailableReason, startPostgresServer } from '../helpers/postgres-server.js';
import { describeCounterStoreContract } from './budget-counter-contract.js';

describeCounterStoreContract({
  name: 'memory',
  skip: false,
  open: () => {
    const store = createMemoryBudgetCounters();
    return Promise.resolve({ first: store, second: store, shared: false, close: () => store.close() });
  },
});

describeCounterStoreContract({
  name: 'the embedded database',
  skip: false,
  open: async () => {
    const dir = await mkdtemp(join(tmpdir(), 'budget-counters-'));
    const engine = await createPgliteEngineFromTemplate(dir, 'migrated');
    return {
      first: createSqlBudgetCounters(engine),
      second: createSqlBudgetCounters(engine),
      shared: true,
      close: async () => {
        await engine.close();
        await rm(dir, { recursive: true, force: true });
      },
    };
  },
});

describeCounterStoreContract({
  name: 'the embedded database as its sole writer (decided in memory, batched)',
  skip: false,
  open: async () => {
    const dir = await mkdtemp(join(tmpdir(), 'budget-sole-writer-'));
    const engine = await createPgliteEngineFromTemplate(dir, 'migrated');
    const store = createSoleWriterBudgetCounters(engine, { dir, holdMs: 5 });
    return {
      first: store,
      second: store,
      shared: false,
      close: async () => {
        await store.close();
        await engine.close();
        await rm(dir, { recursive: true, force: true });
      },
    };
  },
});

describeCounterStoreContract({
  name: 'PostgreSQL (two connection pools)',
  skip: postgresUnavailableReason() !== undefined,
  open: async () => {
    const server = await startPostgresServer();
    const url = await server.createDatabase();
    const one = createPgEngine(url, { logger: silentLogger });
    await runMigrations(one);
    const two = createPgEngine(url, { logger: silentLogger });
    return {
      first: createSqlBudgetCounters(one),
      second: createSqlBudgetCounters(two),
      shared: true,
      close: async () => {
        await one.close();
        await two.close();
        await server.destroy();
      },
    };
  },
});

const redisSkip = redisUnavailableReason();
describeCounterStoreContract({
  name: 'Redis (two clients)',
  skip: redisSkip !== undefined,
  open: async () => {
    const server = await startRedisServer();
    const one = createRedisStores({ url: server.url, keyPrefix: 'budgets-test:' });
    const two = createRedisStores({ url: server.url, keyPrefix: 'budgets-test:' });
    await one.connect?.();
    await two.connect?.();
    const { budgetCounters: first } = one;
    const { budgetCounters: second } = two;
    if (first === undefined || second === undefined) throw new Error('the Redis stores have budget counters');
    return {
      first,
      second,
      shared: true,
      close: async () => {
        await one.close();
        await two.close();
        await server.stop();
      },
    };
  },
});
