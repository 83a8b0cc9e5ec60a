import { describe, expect, it } from 'vitest';
import { createMemoryStores } from './create-memory-stores.js';

describe('createMemoryStores', () => {
  it('bundles working stores and closes them all, idempotently', async () => {
    const stores = createMemoryStores();
    await stores.sessions.create({
      sessionId: 'sess_a',
      apiKeyHash: 'abcdef0123456789',
      createdAt: 1,
      expiresAt: 2,
      approvedToolTypes: [],
    });
    const received: unknown[] = [];
    await stores.bus.subscribe('alpha', (payload) => received.push(payload));
    await Promise.all([stores.close(), stores.close()]);
    await stores.close();
    await stores.bus.publish('alpha', 'late');
    expect(await stores.sessions.get('sess_a')).toBeUndefined();
    expect(received).toEqual([]);
  });
});
