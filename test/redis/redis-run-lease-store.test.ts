import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunCheckpoint, RunRecord } from '../../src/core/run-takeover.js';
import { createRedisStores, type RedisStores } from '../../src/stores/redis/create-redis-stores.js';
import {
  redisUnavailableReason,
  startRedisServer,
  type RedisServerProcess,
} from './helpers/start-redis-server.js';

const skipReason = redisUnavailableReason();
if (skipReason !== undefined) console.warn(skipReason);

const record = (runId: string): RunRecord => ({
  runId,
  sessionId: 'sess_a',
  request: { messages: [{ role: 'user', content: 'hello' }], context: {} },
});

const checkpoint = (turns: number): RunCheckpoint => ({
  messages: [{ role: 'user', content: 'hello' }],
  turns,
  tokens: { inputTokens: 10, outputTokens: 2, cacheReadTokens: 0, cacheCreationTokens: 0 },
});

const leasesOf = (stores: RedisStores) => {
  const leases = stores.runLeases;
  if (leases === undefined) throw new Error('the Redis bundle has run leases');
  return leases;
};

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

describe.skipIf(skipReason !== undefined)('Redis run leases against a real redis-server', () => {
  let server: RedisServerProcess;
  const opened: RedisStores[] = [];
  const open = async (keyPrefix: string): Promise<RedisStores> => {
    const stores = createRedisStores({ url: server.url, keyPrefix, readBlockMs: 200 });
    opened.push(stores);
    await stores.connect?.();
    return stores;
  };

  beforeAll(async () => {
    server = await startRedisServer();
  });
  afterAll(async () => {
    await Promise.all(opened.map((stores) => stores.close()));
    await server.stop();
  });

  it('keeps a renewed lease away from other instances and hands a lapsed one to exactly one of them', async () => {
    const prefix = `t${randomBytes(4).toString('hex')}:`;
    const [a, b, c] = await Promise.all([open(prefix), open(prefix), open(prefix)]);
    const leasesA = leasesOf(a);
    await leasesA.begin(record('run_1'), 'A', 200);
    await leasesA.saveCheckpoint('run_1', 1, checkpoint(3));
    expect(await leasesOf(b).claimOrphaned('B', 1_000)).toEqual([]);
    expect(await leasesA.renew('run_1', 'A', 1, 200)).toBe('renewed');

    await sleep(300);
    const claims = await Promise.all([
      leasesOf(b).claimOrphaned('B', 1_000),
      leasesOf(c).claimOrphaned('C', 1_000),
    ]);
    const winners = claims.filter((claimed) => claimed.length > 0);
    expect(winners).toHaveLength(1);
    const [claimed] = winners[0] ?? [];
    expect(claimed?.epoch).toBe(2);
    expect(claimed?.record).toEqual(record('run_1'));
    expect(claimed?.checkpoint?.turns).toBe(3);

    // The old owner is fenced out: its renewal, checkpoint and appends are refused.
    expect(await leasesA.renew('run_1', 'A', 1, 200)).toBe('lost');
    expect(await leasesA.saveCheckpoint('run_1', 1, checkpoint(4))).toBe(false);
    const entry = { seq: 1, event: { type: 'text_delta' as const, text: 'late' } };
    expect(await a.runEvents?.append('run_1', [entry], { epoch: 1 })).toBe(false);
    expect(await a.runEvents?.append('run_1', [entry], { epoch: 2 })).toBe(true);
    expect(await a.runEvents?.lastSeq('run_1')).toBe(1);
  });

  it('forgets an ended run, and ignores an end under a stale epoch', async () => {
    const prefix = `t${randomBytes(4).toString('hex')}:`;
    const stores = await open(prefix);
    const leases = leasesOf(stores);
    await leases.begin(record('run_2'), 'A', 50);
    await sleep(100);
    const [claimed] = await leases.claimOrphaned('B', 50);
    expect(claimed?.epoch).toBe(2);
    await leases.end('run_2', 1);
    await sleep(100);
    expect((await leases.claimOrphaned('C', 50)).map((run) => run.epoch)).toEqual([3]);
    await leases.end('run_2', 3);
    await sleep(100);
    expect(await leases.claimOrphaned('D', 50)).toEqual([]);
  });

  it('reports a lease Redis lost as missing and restores it at the same epoch', async () => {
    const prefix = `t${randomBytes(4).toString('hex')}:`;
    const stores = await open(prefix);
    const leases = leasesOf(stores);
    await leases.begin(record('run_3'), 'A', 10_000);
    await stores.client.del(`${prefix}run:run_3:lease`);
    expect(await leases.renew('run_3', 'A', 1, 10_000)).toBe('missing');
    // A lost lease does not fence: the owner keeps writing its log until it restores the lease.
    const entry = { seq: 1, event: { type: 'text_delta' as const, text: 'kept' } };
    expect(await stores.runEvents?.append('run_3', [entry], { epoch: 1 })).toBe(true);
    expect(await leases.saveCheckpoint('run_3', 1, checkpoint(1))).toBe(true);
    expect(await leases.restore(record('run_3'), 'A', 1, 10_000)).toBe(true);
    expect(await leases.restore(record('run_3'), 'B', 1, 10_000)).toBe(false);
    expect(await leases.renew('run_3', 'A', 1, 10_000)).toBe('renewed');
  });
});
