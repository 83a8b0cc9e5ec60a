import { describe, expect, it } from 'vitest';
import { silentLogger } from '../../core/logger.js';
import { createMemoryThreadStore } from '../../stores/memory/memory-thread-store.js';
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
});
