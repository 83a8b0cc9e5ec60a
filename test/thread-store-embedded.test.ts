import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { LOCK_FILE } from '../src/database/sql/lock-data-folder.js';
import { openThreadStore } from '../src/database/sql/open-thread-store.js';
import { createPgliteEngine } from '../src/database/sql/pglite-engine.js';
import { MIGRATIONS } from '../src/database/sql/migrations.js';
import { runMigrations } from '../src/database/sql/run-migrations.js';
import { createSqlThreadStore } from '../src/database/sql/sql-thread-store.js';
import { sqlRowsLeft } from './helpers/sql-rows-left.js';
import { threadStoreContract } from './helpers/thread-store-contract.js';

const folders: string[] = [];
const dataFolder = async (): Promise<string> => {
  const dir = await mkdtemp(join(tmpdir(), 'agent-gateway-pglite-'));
  folders.push(dir);
  return dir;
};
afterAll(async () => {
  await Promise.all(folders.map((dir) => rm(dir, { recursive: true, force: true })));
});

threadStoreContract(
  'embedded (PGlite)',
  async () => {
    const engine = await createPgliteEngine(await dataFolder());
    await runMigrations(engine);
    return {
      store: createSqlThreadStore(engine),
      // A second store on the same engine keeps a cache of its own, as another process would.
      another: createSqlThreadStore(engine),
      rowsLeft: (threadId, runIds) => sqlRowsLeft(engine, threadId, runIds),
      close: () => engine.close(),
    };
  },
  { sharedStorage: true },
);

describe('embedded thread store', () => {
  it('keeps threads and messages across a restart in its data folder, which it names', async () => {
    const dir = await dataFolder();
    const owner = { apiKeyHash: 'key', user: 'dora' };
    const first = await openThreadStore({ embedded: { dir } });
    expect(first.engine).toBe('embedded');
    expect(first.location).toBe(dir);
    const thread = await first.createThread(owner, { title: 'remember me' });
    await first.appendMessages(thread?.id ?? '', 'run_1', 0, [{ role: 'user', content: 'hello' }]);
    await first.close();
    await first.close();

    const second = await openThreadStore({ embedded: { dir } });
    try {
      expect(await second.getThread(owner, thread?.id ?? '')).toMatchObject({ title: 'remember me' });
      expect((await second.loadMessages(owner, thread?.id ?? ''))?.map((stored) => stored.message)).toEqual([
        { role: 'user', content: 'hello' },
      ]);
    } finally {
      await second.close();
    }
  });

  it('applies each migration once however often it is opened, upgrading existing data', async () => {
    const engine = await createPgliteEngine(await dataFolder());
    try {
      expect(await runMigrations(engine, MIGRATIONS.slice(0, 2))).toEqual([1, 2]);
      const owner = { apiKeyHash: 'key' };
      // Written as a gateway on schema version 2 wrote it.
      const thread = { id: 'thr_before_upgrade' };
      await engine.query(
        `INSERT INTO threads (id, api_key_hash, created_at, updated_at) VALUES ($1, 'key', 1, 1)`,
        [thread.id],
      );
      await engine.query(
        `INSERT INTO thread_messages (thread_id, seq, run_id, message, created_at) VALUES ($1, 0, 'run_1', $2, 1)`,
        [thread.id, JSON.stringify({ role: 'user', content: 'before the upgrade' })],
      );
      expect(await runMigrations(engine)).toEqual(MIGRATIONS.slice(2).map((migration) => migration.version));
      const store = createSqlThreadStore(engine);
      expect(await runMigrations(engine)).toEqual([]);
      const versions = await engine.query<{ version: number }>(
        'SELECT version FROM schema_migrations ORDER BY version',
      );
      expect(versions.rows.map((row) => row.version)).toEqual(
        MIGRATIONS.map((migration) => migration.version),
      );
      expect((await store.loadMessages(owner, thread.id))?.map((stored) => stored.message)).toEqual([
        { role: 'user', content: 'before the upgrade' },
      ]);
      // The history is read incrementally from then on, and a truncation is seen.
      await store.appendMessages(thread.id, 'run_2', 1, [{ role: 'assistant', content: 'after it' }]);
      expect(await store.loadMessages(owner, thread.id)).toHaveLength(2);
      expect(await store.truncateMessages(owner, thread.id, 1)).toBe(true);
      expect(await store.loadMessages(owner, thread.id)).toHaveLength(1);
    } finally {
      await engine.close();
    }
  });

  it('refuses a second opener of a data folder in use, and takes over a lock its owner left behind', async () => {
    const dir = await dataFolder();
    const first = await openThreadStore({ embedded: { dir } });
    try {
      await expect(openThreadStore({ embedded: { dir } })).rejects.toMatchObject({
        code: 'invalid_option',
        message: expect.stringContaining('one process owns a data folder') as unknown,
      });
    } finally {
      await first.close();
    }
    // A gateway that was killed leaves its lock file; a process id that is gone does not hold it.
    await writeFile(join(dir, LOCK_FILE), '999999999');
    const second = await openThreadStore({ embedded: { dir } });
    await second.close();
  });

  it('does not open when its signal is already aborted', async () => {
    const controller = new AbortController();
    controller.abort();
    await expect(
      openThreadStore({ embedded: { dir: await dataFolder() } }, { signal: controller.signal }),
    ).rejects.toMatchObject({ code: 'aborted' });
  });

  it('fails closed with store_unavailable once the engine is closed', async () => {
    const store = await openThreadStore({ embedded: { dir: await dataFolder() } });
    await store.close();
    await expect(store.getThread({ apiKeyHash: 'key' }, 'thr_x')).rejects.toMatchObject({
      code: 'store_unavailable',
    });
  });
});
