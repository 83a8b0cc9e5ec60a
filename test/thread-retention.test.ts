import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Logger } from '../src/core/logger.js';
import { silentLogger } from '../src/core/logger.js';
import { createAgent } from '../src/server/assembly/create-agent.js';
import type { GatewayApp } from '../src/server/gateway-app.js';
import { createPgEngine } from '../src/database/sql/pg-engine.js';
import { createPgliteEngine } from '../src/database/sql/pglite-engine.js';
import { runMigrations } from '../src/database/sql/run-migrations.js';
import type { SqlEngine, SqlQueryable } from '../src/database/sql/sql-engine.js';
import type { DatabaseSettingInput } from '../src/agent-spec/database-option.js';
import { createSqlThreadStore } from '../src/database/sql/sql-thread-store.js';
import {
  postgresUnavailableReason,
  startPostgresServer,
  type PostgresServer,
} from './helpers/postgres-server.js';
import { sqlRowsLeft } from './helpers/sql-rows-left.js';
import { waitFor } from './helpers/wait-for.js';
import { createPgliteEngineFromTemplate } from './helpers/pglite-template.js';

const DAY = 86_400_000;
const owner = { apiKeyHash: 'k1', user: 'u1' };

const apps: GatewayApp[] = [];
const folders: string[] = [];
afterEach(async () => {
  await Promise.all(apps.splice(0).map((app) => app.close()));
  await Promise.all(folders.splice(0).map((dir) => rm(dir, { recursive: true, force: true })));
});

/** A logger that counts the threads the sweep says it deleted. */
function sweepLog(): Logger & { deleted: () => number } {
  let deleted = 0;
  return {
    ...silentLogger,
    info: (message, details) => {
      if (message === 'idle threads deleted') deleted += Number(details?.['deleted'] ?? 0);
    },
    deleted: () => deleted,
  };
}

/** An app with retention on, sweeping every `intervalMs`; failures land in `failures`. */
function startApp(
  database: DatabaseSettingInput,
  logger: Logger,
  failures: unknown[],
  intervalMs = 20,
): Promise<void> {
  const app = createAgent({
    systemPrompt: 'You keep notes.',
    logger,
    server: {
      database,
      threadRetentionMs: 30 * DAY,
      threadRetentionSweepIntervalMs: intervalMs,
      onError: (error) => void failures.push(error),
    },
  });
  apps.push(app);
  return app.start();
}

/** A stale thread (last written 40 days ago) with messages, a run and an approval; and a fresh one. */
async function seed(db: SqlEngine, label: string): Promise<{ stale: string; run: string; fresh: string }> {
  const store = createSqlThreadStore(db);
  const stale = `stale-${label}`;
  const fresh = `fresh-${label}`;
  const run = `run-${label}`;
  await store.createThread(owner, { id: stale, title: 'old' });
  await store.recordRunStart({ id: run, threadId: stale, owner, model: 'm', startedAt: Date.now() });
  await store.appendMessages(stale, run, 0, [{ role: 'user', content: 'old news' }]);
  await store.recordApproval({
    runId: run,
    toolCallId: 'call_1',
    toolName: 'delete_file',
    inputHash: 'a'.repeat(64),
    decision: 'approved',
    alwaysAllow: false,
    answeredBy: { ...owner, sessionId: 'sess_1' },
    answeredAt: Date.now(),
  });
  await db.query('UPDATE threads SET updated_at = $2 WHERE id = $1', [stale, Date.now() - 40 * DAY]);
  await store.createThread(owner, { id: fresh, title: 'new' });
  await store.appendMessages(fresh, 'run-fresh', 0, [{ role: 'user', content: 'today' }]);
  return { stale, run, fresh };
}

const threadIds = async (db: SqlQueryable): Promise<string[]> =>
  (await db.query<{ id: string }>('SELECT id FROM threads ORDER BY id')).rows.map((row) => row.id);

describe('server.threadRetentionMs', () => {
  it('deletes a thread idle past the retention with its messages, runs and approvals, as the database shows', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'thread-retention-'));
    folders.push(dir);
    const engine = await createPgliteEngineFromTemplate(dir);
    await runMigrations(engine);
    const { stale, run, fresh } = await seed(engine, 'embedded');
    expect(await sqlRowsLeft(engine, stale, [run])).toBe(4);
    await engine.close();

    const logger = sweepLog();
    const failures: unknown[] = [];
    await startApp({ embedded: { dir } }, logger, failures);
    await waitFor(() => (logger.deleted() >= 1 ? true : undefined));
    // Closing the app stops the sweep and releases the folder to the next opener.
    await apps.splice(0)[0]?.close();

    const after = await createPgliteEngine(dir);
    try {
      expect(await sqlRowsLeft(after, stale, [run])).toBe(0);
      expect(await threadIds(after)).toEqual([fresh]);
      const messages = await after.query('SELECT seq FROM thread_messages WHERE thread_id = $1', [fresh]);
      expect(messages.rows).toHaveLength(1);
    } finally {
      await after.close();
    }
    expect(failures).toEqual([]);
  });

  it('keeps every thread when retention is off (the default)', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'thread-retention-'));
    folders.push(dir);
    const engine = await createPgliteEngineFromTemplate(dir);
    await runMigrations(engine);
    const { stale, fresh } = await seed(engine, 'kept');
    const store = createSqlThreadStore(engine);
    const app = createAgent({
      systemPrompt: 'You keep notes.',
      logger: silentLogger,
      server: { database: store },
    });
    apps.push(app);
    await app.start();
    await app.close();
    expect(await threadIds(engine)).toEqual([fresh, stale]);
    await engine.close();
  });
});

const unavailable = postgresUnavailableReason();
describe.skipIf(unavailable !== undefined)('server.threadRetentionMs on PostgreSQL', () => {
  let server: PostgresServer;
  beforeAll(async () => {
    server = await startPostgresServer();
  }, 120_000);
  afterAll(async () => {
    await server?.destroy();
  }, 60_000);

  it('lets every instance sweep at once: a backlog past one batch is deleted once, fresh threads kept', async () => {
    const url = await server.createDatabase();
    const engine = createPgEngine(url, { logger: silentLogger });
    try {
      await runMigrations(engine);
      const { stale, run, fresh } = await seed(engine, 'pg');
      // A backlog of 1 200 idle threads, each with a message and a run: more than two batches.
      const old = Date.now() - 60 * DAY;
      await engine.query(
        `INSERT INTO threads (id, api_key_hash, user_id, title, metadata, created_at, updated_at)
         SELECT 'backlog-' || g, 'k2', NULL, NULL, '{}'::jsonb, $1, $1 FROM generate_series(1, 1200) g`,
        [old],
      );
      await engine.query(
        `INSERT INTO thread_messages (thread_id, seq, run_id, message, created_at)
         SELECT 'backlog-' || g, 0, 'bl-run-' || g, '"x"'::json, $1 FROM generate_series(1, 1200) g`,
        [old],
      );
      await engine.query(
        `INSERT INTO runs (id, thread_id, api_key_hash, user_id, model, status, started_at)
         SELECT 'bl-run-' || g, 'backlog-' || g, 'k2', NULL, 'm', 'completed', $1 FROM generate_series(1, 1200) g`,
        [old],
      );

      const logs = [sweepLog(), sweepLog(), sweepLog()];
      const failures: unknown[] = [];
      await Promise.all(logs.map((logger) => startApp({ postgres: url }, logger, failures, 10)));
      await waitFor(async () => ((await threadIds(engine)).length === 1 ? true : undefined), {
        timeoutMs: 20_000,
        description: 'the backlog to be swept',
      });
      expect(await threadIds(engine)).toEqual([fresh]);
      expect(await sqlRowsLeft(engine, stale, [run])).toBe(0);
      const left = await engine.query<{ rows: number }>(
        `SELECT (SELECT count(*) FROM thread_messages WHERE thread_id <> $1)
              + (SELECT count(*) FROM runs WHERE thread_id IS DISTINCT FROM $1) AS rows`,
        [fresh],
      );
      expect(left.rows[0]?.rows).toBe(0);
      // Each thread was deleted by exactly one instance.
      await waitFor(() => (logs.reduce((sum, log) => sum + log.deleted(), 0) === 1201 ? true : undefined));
      expect(failures).toEqual([]);
    } finally {
      await Promise.all(apps.splice(0).map((app) => app.close()));
      await engine.close();
    }
  }, 60_000);
});
