import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { silentLogger, type Logger } from '../../core/logger.js';
import type { ThreadStore } from '../../core/thread-store.js';
import { createMemoryThreadStore } from '../../database/memory/memory-thread-store.js';
import { createMemoryDatabase } from '../../database/memory/memory-database.js';
import { createAgent } from '../assembly/create-agent.js';
import { announceEmbeddedDatabase, createGatewayDatabase, describeDatabase } from './gateway-database.js';

describe('server.database', () => {
  it('reads in the start-up report as its engine and folder, never a password', () => {
    expect(describeDatabase(undefined)).toBe('none (threads off)');
    expect(describeDatabase({ embedded: { dir: '/srv/data' } })).toBe('embedded (/srv/data)');
    // Absolute: started from another folder, the gateway opens (or makes) another database.
    expect(describeDatabase('embedded')).toBe(`embedded (${resolve('.agent-gateway/data')})`);
    expect(describeDatabase({ embedded: { dir: 'data' } })).toBe(`embedded (${resolve('data')})`);
    const postgres = describeDatabase({ postgres: 'postgres://app:s3cret@db.internal:5433/chats' });
    expect(postgres).toBe('postgres (db.internal:5433/chats)');
    expect(postgres).not.toContain('s3cret');
  });

  it('uses a ThreadStore handed in as it is and leaves it open for its owner', async () => {
    const store = createMemoryThreadStore();
    const database = createGatewayDatabase(store);
    expect(database.configured).toBe(true);
    await database.open(silentLogger);
    expect(database.current()?.threads).toBe(store);
    await database.close();
    await database.close();
    expect(database.current()).toBeUndefined();
    await expect(store.listThreads({ apiKeyHash: 'k' }, { limit: 1 })).resolves.toEqual({ items: [] });
  });

  it('reads a ThreadStore carrying the other stores as one aggregate, its inbox as approvals', async () => {
    const store = createMemoryThreadStore();
    const database = createGatewayDatabase(store);
    await database.open(silentLogger);
    const stores = database.current();
    expect(stores?.threads).toBe(store);
    expect(stores?.suspendedRuns).toBe(store.suspendedRuns);
    expect(stores?.approvals).toBe(store.approvalInbox);
    expect(stores?.schedules).toBeUndefined();
    await database.close();
  });

  it('uses a DatabaseStores handed in as it is and leaves it open for its owner', async () => {
    const given = createMemoryDatabase();
    const database = createGatewayDatabase(given);
    expect(database.configured).toBe(true);
    expect(describeDatabase(given)).toBe('custom database');
    await database.open(silentLogger);
    expect(database.current()).toBe(given);
    await database.close();
    expect(database.current()).toBeUndefined();
    await expect(given.threads.listThreads({ apiKeyHash: 'k' }, { limit: 1 })).resolves.toEqual({
      items: [],
    });
    await given.close();
  });

  it('has a run start held back written at once when something refers to the run', async () => {
    const database = createGatewayDatabase(createMemoryThreadStore());
    let asked = 0;
    const start = {
      whenRecorded: () => {
        asked += 1;
        // Written: the start stops being tracked, as `DeferredRunStartWrite` does.
        database.forgetRunStart('run_young', start);
        return Promise.resolve();
      },
      writeIfDue: () => undefined,
    };
    database.trackRunStart('run_young', start);
    await database.runStarted('run_young');
    expect(asked).toBe(1);
    // Once written, nothing is held back: a later reference asks nothing more.
    await database.runStarted('run_young');
    expect(asked).toBe(1);
    await database.runStarted('run_unknown');
  });

  it('waits, as it closes, for a run end written after its run let its session go', async () => {
    const database = createGatewayDatabase(createMemoryThreadStore());
    await database.open(silentLogger);
    let landed = false;
    database.trackRunEnd(
      'run_ending',
      new Promise<void>((resolve) =>
        setTimeout(() => {
          landed = true;
          resolve();
        }, 50),
      ),
    );
    await database.close();
    expect(landed).toBe(true);
  });

  it('is not configured when left out or false', () => {
    expect(createGatewayDatabase(undefined).configured).toBe(false);
    expect(createGatewayDatabase(false).configured).toBe(false);
  });

  it('starts the retention sweep when it opens and stops it when it closes', async () => {
    let clock = 0;
    const store = createMemoryThreadStore({ now: () => clock });
    await store.createThread({ apiKeyHash: 'k' }, { id: 'old' });
    clock = Date.now();
    let sweeps = 0;
    const counted: ThreadStore = {
      ...store,
      deleteThreadsIdleSince: (cutoff, limit) => {
        sweeps += 1;
        return store.deleteThreadsIdleSince(cutoff, limit);
      },
    };
    const reports: unknown[] = [];
    const database = createGatewayDatabase(counted, {
      retentionMs: 60_000,
      intervalMs: 3_600_000,
      report: (error) => void reports.push(error),
    });
    expect(sweeps).toBe(0);
    await database.open(silentLogger);
    await database.close();
    // The round at open, and none after: close() stopped the sweep before the store closed.
    expect(sweeps).toBe(1);
    expect(await store.getThread({ apiKeyHash: 'k' }, 'old')).toBeUndefined();
    expect(reports).toEqual([]);
  });

  it('refuses a retention under a minute, a unit mistake that would delete every thread', () => {
    expect(() =>
      createAgent({
        systemPrompt: 'x',
        server: { database: createMemoryThreadStore(), threadRetentionMs: 90 },
      }),
    ).toThrow(/threadRetentionMs.*at least 60000/s);
  });

  it('says it creates the embedded database on its first start only, with the absolute folder', async () => {
    const parent = await mkdtemp(join(tmpdir(), 'agent-gateway-first-start-'));
    const lines: string[] = [];
    const logger: Logger = { ...silentLogger, info: (message) => void lines.push(message) };
    try {
      const fresh = join(parent, 'fresh');
      const made = join(parent, 'made');
      await mkdir(made);
      // What PostgreSQL writes first in a data folder it made.
      await writeFile(join(made, 'PG_VERSION'), '17\n');
      await announceEmbeddedDatabase({ embedded: { dir: fresh } }, logger);
      await announceEmbeddedDatabase({ embedded: { dir: made } }, logger);
      await announceEmbeddedDatabase({ postgres: 'postgres://localhost/x' }, logger);
      expect(lines).toEqual([
        `creating the embedded database in ${fresh} (first start only, it can take a while)`,
      ]);
    } finally {
      await rm(parent, { recursive: true, force: true });
    }
  });
});
