import { describe, expect, it } from 'vitest';
import { silentLogger } from '../../core/logger.js';
import type { ThreadStore } from '../../core/thread-store.js';
import { createMemoryThreadStore } from '../../stores/memory/memory-thread-store.js';
import { createAgent } from '../agent/create-agent.js';
import { createThreadDatabase, describeDatabase } from './thread-database.js';

describe('server.database', () => {
  it('reads in the start-up report as its engine and folder, never a password', () => {
    expect(describeDatabase(undefined)).toBe('none (threads off)');
    expect(describeDatabase({ embedded: { dir: '/srv/data' } })).toBe('embedded (/srv/data)');
    expect(describeDatabase('embedded')).toBe('embedded (./.agent-gateway/data)');
    const postgres = describeDatabase({ postgres: 'postgres://app:s3cret@db.internal:5433/chats' });
    expect(postgres).toBe('postgres (db.internal:5433/chats)');
    expect(postgres).not.toContain('s3cret');
  });

  it('uses a ThreadStore handed in as it is and leaves it open for its owner', async () => {
    const store = createMemoryThreadStore();
    const database = createThreadDatabase(store);
    expect(database.configured).toBe(true);
    await database.open(silentLogger);
    expect(database.current()).toBe(store);
    await database.close();
    await database.close();
    expect(database.current()).toBeUndefined();
    await expect(store.listThreads({ apiKeyHash: 'k' }, { limit: 1 })).resolves.toEqual({ items: [] });
  });

  it('is not configured when left out or false', () => {
    expect(createThreadDatabase(undefined).configured).toBe(false);
    expect(createThreadDatabase(false).configured).toBe(false);
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
    const database = createThreadDatabase(counted, {
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
});
