import { describe, expect, it } from 'vitest';
import { parseRedisStoresOptions, type RedisStoresOptions } from './redis-stores-options.js';

describe('Redis stores options', () => {
  it('applies the default timeouts', () => {
    expect(parseRedisStoresOptions({ url: 'redis://127.0.0.1:6379' })).toEqual({
      url: 'redis://127.0.0.1:6379',
      connectTimeoutMs: 5_000,
      maxReconnectDelayMs: 2_000,
    });
  });

  it('refuses a non-Redis URL without echoing it, and bad timeouts', () => {
    expect(() => parseRedisStoresOptions({ url: 'http://user:secret@example.test' })).toThrow(
      'createRedisStores: url: must be a redis:// or rediss:// URL',
    );
    expect(() => parseRedisStoresOptions({ url: 'http://user:secret@example.test' })).not.toThrow(/secret/);
    expect(() => parseRedisStoresOptions({ url: 'redis://h', readBlockMs: 0 })).toThrow(
      /readBlockMs: Too small/,
    );
  });

  it('suggests the closest name for an unknown option', () => {
    expect(() =>
      parseRedisStoresOptions({ url: 'redis://h', keyprefix: 'x:' } as RedisStoresOptions),
    ).toThrow("createRedisStores: unknown option 'keyprefix' — did you mean 'keyPrefix'?");
  });
});
