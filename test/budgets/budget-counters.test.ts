import { afterAll } from 'vitest';
import { createRedisStores } from '../../src/stores/redis/create-redis-stores.js';
import { redisUnavailableReason, startRedisServer } from '../redis/helpers/start-redis-server.js';
import { createMemoryBudgetCounters } from '../../src/stores/memory/memory-budget-counters.js';
import { createSqlBudgetCounters } from '../../src/database/sql/sql-budget-counters.js';
import { createSoleWriterBudgetCounters } from '../../src/database/sql/sole-writer-budget-counters.js';
import { createPgEngine } from '../../src/database/sql/pg-engine.js';
import { runMigrations } from '../../src/database/sql/run-migrations.js';
import type { SqlEngine } from '../../src/database/sql/sql-engine.js';
import { silentLogger } from '../../src/core/logger.js';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createPgliteEngineFromTemplate } from '../helpers/pglite-template.js';
import { postgresUnavailableReason, startPostgresServer } from '../helpers/postgres-server.js';
import { describeCounterStoreContract } from './budget-counter-contract.js';

/**
 * Each backend is started once for the file and emptied before each test: a server or a PGlite
 * engine per test cost about five seconds each, most of this file's time on a loaded machine.
 */
const cleanups: Array<() => Promise<void>> = [];
afterAll(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup();
});

/** Resolves `start()` once, registering its cleanup for the end of the file. */
const once = <T>(start: () => Promise<{ value: T; cleanup: () => Promise<void> }>): (() => Promise<T>) => {
  let started: Promise<T> | undefined;
  return () =>
    (started ??= start().then(({ value, cleanup }) => {
      cleanups.push(cleanup);
      return value;
    }));
};

const BUDGET_TABLES = 'budget_counters, budget_reservations, budget_ledger, budget_overrides';

describeCounterStoreContract({
  name: 'memory',
  skip: false,
  open: () => {
    const store = createMemoryBudgetCounters();
    return Promise.resolve({ first: store, second: store, shared: false, close: () => store.close() });
  },
});

const pglite = once(async () => {
  const dir = await mkdtemp(join(tmpdir(), 'budget-counters-'));
  const engine = await createPgliteEngineFromTemplate(dir, 'migrated');
  return {
    value: engine,
    cleanup: async () => {
      await engine.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
});

describeCounterStoreContract({
  name: 'the embedded database',
  skip: false,
  open: async () => {
    const engine = await pglite();
    await engine.query(`TRUNCATE ${BUDGET_TABLES}`);
    return {
      first: createSqlBudgetCounters(engine),
      second: createSqlBudgetCounters(engine),
      shared: true,
      close: () => Promise.resolve(),
    };
  },
});

const postgres = once(async () => {
  const server = await startPostgresServer();
  const url = await server.createDatabase();
  const pools: [SqlEngine, SqlEngine] = [
    createPgEngine(url, { logger: silentLogger }),
    createPgEngine(url, { logger: silentLogger }),
  ];
  await runMigrations(pools[0]);
  return {
    value: pools,
    cleanup: async () => {
      await pools[0].close();
      await pools[1].close();
      await server.destroy();
    },
  };
});

describeCounterStoreContract({
  name: 'the embedded database as its sole writer (decided in memory, batched)',
  skip: false,
  open: async () => {
    const engine = await pglite();
    await engine.query(`TRUNCATE ${BUDGET_TABLES}`);
    const dir = await mkdtemp(join(tmpdir(), 'budget-sole-writer-'));
    const store = createSoleWriterBudgetCounters(engine, { dir, holdMs: 5 });
    return {
      first: store,
      second: store,
      shared: false,
      close: async () => {
        await store.close();
        await rm(dir, { recursive: true, force: true });
      },
    };
  },
});

describeCounterStoreContract({
  name: 'PostgreSQL (two connection pools)',
  skip: postgresUnavailableReason() !== undefined,
  open: async () => {
    const [one, two] = await postgres();
    await one.query(`TRUNCATE ${BUDGET_TABLES}`);
    return {
      first: createSqlBudgetCounters(one),
      second: createSqlBudgetCounters(two),
      shared: true,
      close: () => Promise.resolve(),
    };
  },
});

const redis = once(async () => {
  const server = await startRedisServer();
  return { value: server, cleanup: () => server.stop() };
});
let redisTests = 0;

describeCounterStoreContract({
  name: 'Redis (two clients)',
  skip: redisUnavailableReason() !== undefined,
  open: async () => {
    const server = await redis();
    const keyPrefix = `budgets-test-${(redisTests += 1)}:`;
    const one = createRedisStores({ url: server.url, keyPrefix });
    const two = createRedisStores({ url: server.url, keyPrefix });
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
      },
    };
  },
});
