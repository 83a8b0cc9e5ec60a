import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { silentLogger } from '../src/core/logger.js';
import { openThreadStore } from '../src/database/sql/open-thread-store.js';
import { createPgEngine } from '../src/database/sql/pg-engine.js';
import { runMigrations } from '../src/database/sql/run-migrations.js';
import { MIGRATIONS } from '../src/database/sql/migrations.js';
import { createSqlThreadStore } from '../src/database/sql/sql-thread-store.js';
import {
  postgresUnavailableReason,
  startPostgresServer,
  type PostgresServer,
} from './helpers/postgres-server.js';
import { sqlRowsLeft } from './helpers/sql-rows-left.js';
import { threadStoreContract } from './helpers/thread-store-contract.js';

const unavailable = postgresUnavailableReason();
if (unavailable !== undefined) console.warn(unavailable);

const run = promisify(execFile);
const fixture = fileURLToPath(new URL('./fixtures/open-thread-store.ts', import.meta.url));
const tsx = fileURLToPath(new URL('../node_modules/.bin/tsx', import.meta.url));

describe.skipIf(unavailable !== undefined)('thread store on PostgreSQL', () => {
  let server: PostgresServer;
  beforeAll(async () => {
    server = await startPostgresServer();
  }, 120_000);
  afterAll(async () => {
    await server?.destroy();
  }, 60_000);

  threadStoreContract(
    'PostgreSQL (pg)',
    async () => {
      const url = await server.createDatabase();
      const engine = createPgEngine(url, { logger: silentLogger });
      await runMigrations(engine);
      // Another gateway instance: its own pool and its own cache of histories.
      const other = createPgEngine(url, { logger: silentLogger });
      return {
        store: createSqlThreadStore(engine),
        another: createSqlThreadStore(other),
        rowsLeft: (threadId, runIds) => sqlRowsLeft(engine, threadId, runIds),
        close: async () => {
          await Promise.all([engine.close(), other.close()]);
        },
      };
    },
    { sharedStorage: true },
  );

  it('applies the migrations once when several instances open one fresh database at once', async () => {
    const url = await server.createDatabase();
    const [child, ...stores] = await Promise.all([
      run(tsx, [fixture, url], { timeout: 60_000 }),
      ...[1, 2, 3, 4].map(() => openThreadStore({ postgres: url }, { logger: silentLogger })),
    ]);
    try {
      expect(child.stdout).toContain('opened');
      const owner = { apiKeyHash: 'key' };
      const thread = await stores[0]?.createThread(owner, {});
      for (const store of stores) expect(await store.getThread(owner, thread?.id ?? '')).toEqual(thread);
      const engine = createPgEngine(url, { logger: silentLogger });
      const versions = await engine.query<{ version: number }>(
        'SELECT version FROM schema_migrations ORDER BY version',
      );
      await engine.close();
      expect(versions.rows.map((row) => row.version)).toEqual(
        MIGRATIONS.map((migration) => migration.version),
      );
    } finally {
      await Promise.all(stores.map((store) => store.close()));
    }
  }, 90_000);

  it('sums runs, tokens and cost per key, user and day in the run_usage_by_owner view', async () => {
    const url = await server.createDatabase();
    const store = await openThreadStore({ postgres: url }, { logger: silentLogger });
    const engine = createPgEngine(url, { logger: silentLogger });
    try {
      const day = Date.UTC(2026, 10, 23, 10);
      const usage = (input: number, output: number, cost: number) => ({
        input_tokens: input,
        output_tokens: output,
        cache_creation_input_tokens: 0,
        cache_read_input_tokens: 1,
        estimated_cost: cost,
      });
      const runs = [
        { id: 'run_a', owner: { apiKeyHash: 'k1', user: 'u1' }, at: day, usage: usage(100, 10, 0.5) },
        {
          id: 'run_b',
          owner: { apiKeyHash: 'k1', user: 'u1' },
          at: day + 3_600_000,
          usage: usage(50, 5, 0.25),
        },
        { id: 'run_c', owner: { apiKeyHash: 'k1' }, at: day, usage: usage(7, 7, 0.01) },
        {
          id: 'run_d',
          owner: { apiKeyHash: 'k1', user: 'u1' },
          at: day + 86_400_000,
          usage: usage(1, 1, 0.001),
        },
      ];
      for (const entry of runs) {
        await store.recordRunStart({
          id: entry.id,
          threadId: null,
          owner: entry.owner,
          model: 'm',
          startedAt: entry.at,
        });
        await store.recordRunEnd(entry.id, {
          status: 'completed',
          outcomeCode: null,
          turns: 1,
          usage: entry.usage,
          estimatedCostUsd: entry.usage.estimated_cost,
          endedAt: entry.at + 1000,
        });
      }
      const rows = await engine.query(
        `SELECT api_key_hash, user_id, day::text AS day, runs, input_tokens, output_tokens,
                cache_read_input_tokens, estimated_cost_usd
         FROM run_usage_by_owner ORDER BY api_key_hash, user_id NULLS FIRST, day`,
      );
      expect(rows.rows).toEqual([
        {
          api_key_hash: 'k1',
          user_id: null,
          day: '2026-11-23',
          runs: 1,
          input_tokens: 7,
          output_tokens: 7,
          cache_read_input_tokens: 1,
          estimated_cost_usd: 0.01,
        },
        {
          api_key_hash: 'k1',
          user_id: 'u1',
          day: '2026-11-23',
          runs: 2,
          input_tokens: 150,
          output_tokens: 15,
          cache_read_input_tokens: 2,
          estimated_cost_usd: 0.75,
        },
        {
          api_key_hash: 'k1',
          user_id: 'u1',
          day: '2026-11-24',
          runs: 1,
          input_tokens: 1,
          output_tokens: 1,
          cache_read_input_tokens: 1,
          estimated_cost_usd: 0.001,
        },
      ]);
    } finally {
      await engine.close();
      await store.close();
    }
  });

  it('fails closed with store_unavailable while PostgreSQL is down, without hanging, and recovers', async () => {
    const url = await server.createDatabase();
    const store = await openThreadStore({ postgres: url }, { logger: silentLogger, connectTimeoutMs: 1_000 });
    try {
      const owner = { apiKeyHash: 'key' };
      const thread = await store.createThread(owner, { title: 'before the outage' });
      await server.stop();
      try {
        const started = Date.now();
        await expect(store.getThread(owner, thread?.id ?? '')).rejects.toMatchObject({
          code: 'store_unavailable',
        });
        await expect(store.createThread(owner, {})).rejects.toMatchObject({ code: 'store_unavailable' });
        expect(Date.now() - started).toBeLessThan(10_000);
      } finally {
        await server.start();
      }
      expect(await store.getThread(owner, thread?.id ?? '')).toMatchObject({ title: 'before the outage' });
    } finally {
      await store.close();
    }
  }, 90_000);

  it('rejects with store_unavailable when opened on a server that does not answer', async () => {
    const url = `postgres://postgres@127.0.0.1:${server.port}/postgres`.replace(`:${server.port}`, ':1');
    await expect(
      openThreadStore({ postgres: url }, { logger: silentLogger, connectTimeoutMs: 1_000 }),
    ).rejects.toMatchObject({
      code: 'store_unavailable',
    });
  });
});
