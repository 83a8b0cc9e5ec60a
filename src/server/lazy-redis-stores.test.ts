import { describe, expect, it } from 'vitest';
import { isGatewayError } from '../core/errors.js';
import { createLazyRedisStores } from './lazy-redis-stores.js';

describe('createLazyRedisStores', () => {
  it('refuses a URL that is not redis:// at construction, without credentials in the message', () => {
    expect(() => createLazyRedisStores({ url: 'http://user:secret@example.test' })).toThrow(/redis:\/\//);
    expect(() => createLazyRedisStores({ url: 'http://user:secret@example.test' })).not.toThrow(/secret/);
  });

  it('fails a store call made before connect() with store_unavailable', async () => {
    const stores = createLazyRedisStores({ url: 'redis://127.0.0.1:1' });
    let caught: unknown;
    try {
      await stores.sessions.get('session');
    } catch (error) {
      caught = error;
    }
    expect(isGatewayError(caught) && caught.code === 'store_unavailable').toBe(true);
  });

  it('closes without connecting when it was never started, and twice', async () => {
    const stores = createLazyRedisStores({ url: 'redis://127.0.0.1:1' });
    await stores.close();
    await stores.close();
    await expect(stores.connect?.()).rejects.toThrow(/closed/);
  });

  it('reports an unreachable Redis from connect() as store_unavailable', async () => {
    const stores = createLazyRedisStores({ url: 'redis://127.0.0.1:1', connectTimeoutMs: 2_000 });
    await expect(stores.connect?.()).rejects.toThrow(/unreachable/);
    await stores.close();
  });
});
