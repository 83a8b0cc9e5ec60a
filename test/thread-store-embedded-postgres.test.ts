import { existsSync } from 'node:fs';
import { readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GatewayError } from '../src/core/errors.js';
import { silentLogger, type Logger } from '../src/core/logger.js';
import { CLUSTER_FOLDER } from '../src/database/sql/embedded-postgres/embedded-postgres-engine.js';
import { openEmbeddedEngine } from '../src/database/sql/open-embedded-engine.js';
import { openThreadStore } from '../src/database/sql/open-thread-store.js';
import { runMigrations } from '../src/database/sql/run-migrations.js';
import type { SqlEngine } from '../src/database/sql/sql-engine.js';
import { createSqlThreadStore } from '../src/database/sql/sql-thread-store.js';
import { embeddedPostgresUnavailableReason, reachableTempFolder } from './helpers/embedded-postgres.js';
import { sqlRowsLeft } from './helpers/sql-rows-left.js';
import { threadStoreContract } from './helpers/thread-store-contract.js';

const unavailable = await embeddedPostgresUnavailableReason();
if (unavailable !== undefined) console.warn(unavailable);

let root: string;
beforeAll(async () => {
  root = await reachableTempFolder('agent-gateway-embedded-pg-');
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

/** The process id of the server running on a data folder's cluster, from its pid file. */
const serverPid = async (dir: string): Promise<number> =>
  Number((await readFile(join(dir, CLUSTER_FOLDER, 'postmaster.pid'), 'utf8')).split('\n')[0]);

const isAlive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

const recordingLogger = (): Logger & { lines: string[] } => {
  const lines: string[] = [];
  const keep = (message: string, details?: Record<string, unknown>) =>
    void lines.push(`${message} ${JSON.stringify(details ?? {})}`);
  return { lines, debug: keep, info: keep, warn: keep, error: keep };
};

describe.skipIf(unavailable !== undefined)('the embedded PostgreSQL server', () => {
  // One server for the contract suite and the tests that only need a running one.
  let shared: SqlEngine;
  let sharedDir: string;
  beforeAll(async () => {
    sharedDir = join(root, 'shared');
    shared = await openEmbeddedEngine(sharedDir, { engine: 'postgres', logger: silentLogger });
    await runMigrations(shared);
  }, 120_000);
  afterAll(async () => {
    await shared?.close();
  }, 60_000);

  threadStoreContract(
    'embedded PostgreSQL server',
    () =>
      Promise.resolve({
        store: createSqlThreadStore(shared),
        // A second store on the same server keeps a cache of its own, as another process would.
        another: createSqlThreadStore(shared),
        rowsLeft: (threadId, runIds) => sqlRowsLeft(shared, threadId, runIds),
        close: () => Promise.resolve(),
      }),
    { sharedStorage: true },
  );

  it('runs the server in its own process, its cluster in the data folder, reached by socket only', async () => {
    expect(shared.kind).toBe('embedded');
    expect(shared.location).toBe(sharedDir);
    expect(existsSync(join(sharedDir, CLUSTER_FOLDER, 'PG_VERSION'))).toBe(true);
    const pid = await serverPid(sharedDir);
    expect(pid).not.toBe(process.pid);
    expect(isAlive(pid)).toBe(true);
    const settings = await shared.query<{ name: string; setting: string }>(
      `SELECT name, setting FROM pg_settings WHERE name IN ('listen_addresses', 'unix_socket_permissions')`,
    );
    expect(Object.fromEntries(settings.rows.map((row) => [row.name, row.setting]))).toEqual({
      listen_addresses: '',
      unix_socket_permissions: '0700',
    });
  });

  it('deletes old log segments rather than recycling them, and commits without waiting for the disk', async () => {
    const settings = await shared.query<{ name: string; setting: string }>(
      `SELECT name, setting FROM pg_settings
       WHERE name IN ('wal_segment_size', 'wal_recycle', 'wal_level', 'synchronous_commit')`,
    );
    // wal_recycle off: a segment's old bytes (deleted text) are unlinked, not renamed for reuse.
    expect(Object.fromEntries(settings.rows.map((row) => [row.name, row.setting]))).toEqual({
      wal_segment_size: String(1024 * 1024),
      wal_recycle: 'off',
      wal_level: 'minimal',
      synchronous_commit: 'off',
    });
  });

  it('refuses a second opener of a folder in use', async () => {
    await expect(openEmbeddedEngine(sharedDir, { logger: silentLogger })).rejects.toBeInstanceOf(
      GatewayError,
    );
  });

  it('keeps threads across a restart, stops its server on close, and closes idempotently', async () => {
    const dir = join(root, 'restart');
    const owner = { apiKeyHash: 'key', user: 'ada' };
    const first = await openThreadStore({ embedded: { dir, engine: 'postgres' } }, { logger: silentLogger });
    expect(first.engine).toBe('embedded');
    const pid = await serverPid(dir);
    const thread = await first.createThread(owner, { title: 'remember me' });
    await first.appendMessages(thread?.id ?? '', 'run_1', 0, [{ role: 'user', content: 'hello' }]);
    await Promise.all([first.close(), first.close()]);
    expect(isAlive(pid)).toBe(false);

    const second = await openThreadStore({ embedded: { dir } }, { logger: silentLogger });
    try {
      expect(await second.getThread(owner, thread?.id ?? '')).toMatchObject({ title: 'remember me' });
      expect((await second.loadMessages(owner, thread?.id ?? ''))?.map((stored) => stored.message)).toEqual([
        { role: 'user', content: 'hello' },
      ]);
    } finally {
      await second.close();
    }
  }, 120_000);

  it('stops what it started when opening is aborted', async () => {
    const dir = join(root, 'aborted');
    const controller = new AbortController();
    const opening = openEmbeddedEngine(dir, {
      engine: 'postgres',
      logger: silentLogger,
      signal: controller.signal,
    });
    controller.abort();
    await expect(opening).rejects.toThrow();
    // The folder is free again: the next opener gets it.
    const engine = await openEmbeddedEngine(dir, { engine: 'postgres', logger: silentLogger });
    await engine.close();
  }, 120_000);

  it('falls back to PGlite in a new folder where the server cannot start, saying why; the folder then stays on PGlite', async () => {
    const dir = join(root, 'fallback');
    const logger = recordingLogger();
    const engine = await openEmbeddedEngine(dir, {
      logger,
      findBinaries: () => Promise.resolve({ found: false, reason: 'no binaries in this test' }),
    });
    try {
      expect(existsSync(join(dir, 'PG_VERSION'))).toBe(true);
      expect(logger.lines.join('\n')).toMatch(/cannot run here, using PGlite.*no binaries in this test/);
      await engine.query('CREATE TABLE kept (id int)');
    } finally {
      await engine.close();
    }
    await expect(openEmbeddedEngine(dir, { engine: 'postgres', logger })).rejects.toThrow(
      /holds a PGlite database/,
    );
    const reopened = await openEmbeddedEngine(dir, { logger });
    try {
      expect((await reopened.query('SELECT count(*)::int AS n FROM kept')).rows).toEqual([{ n: 0 }]);
      expect(existsSync(join(dir, CLUSTER_FOLDER))).toBe(false);
      expect(logger.lines.join('\n')).toContain('stays on PGlite');
    } finally {
      await reopened.close();
    }
  }, 180_000);
});
