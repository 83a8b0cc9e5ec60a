import { describe, expect, it } from 'vitest';
import { parseRedisStoresOptions, type RedisStoresOptions } from './redis-stores-options.js';

describe('Redis stores options', () => {
  it('applies the default key prefix and timeouts', () => {
    expect(parseRedisStoresOptions({ url: 'redis://127.0.0.1:6379' })).toEqual({
      url: 'redis://127.0.0.1:6379',
      keyPrefix: 'aag:',
      connectTimeoutMs: 5_000,
      maxReconnectDelayMs: 2_000,
      readBlockMs: 5_000,
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

  it('takes a cluster or a sentinel topology, not both, and checks their addresses', () => {
    expect(
      parseRedisStoresOptions({
        url: 'redis://10.0.0.1:7000',
        cluster: true,
        clusterNodes: ['redis://10.0.0.2:7000'],
      }),
    ).toMatchObject({ cluster: true, clusterNodes: ['redis://10.0.0.2:7000'] });
    expect(
      parseRedisStoresOptions({
        url: 'redis://:pw@x',
        sentinel: { name: 'main', sentinels: ['10.0.0.5:26379'] },
      }),
    ).toMatchObject({ sentinel: { name: 'main', sentinels: ['10.0.0.5:26379'] } });
    expect(() =>
      parseRedisStoresOptions({
        url: 'redis://h',
        cluster: true,
        sentinel: { name: 'main', sentinels: ['s:26379'] },
      }),
    ).toThrow('createRedisStores: cluster and sentinel exclude each other');
    expect(() => parseRedisStoresOptions({ url: 'redis://h', clusterNodes: ['redis://g'] })).toThrow(
      'createRedisStores: clusterNodes needs cluster: true',
    );
    expect(() =>
      parseRedisStoresOptions({ url: 'redis://h', sentinel: { name: 'main', sentinels: ['nohost'] } }),
    ).toThrow(/must be host:port/);
  });
});
