import { randomBytes } from 'node:crypto';
import { spawnSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PendingAnswerRecord } from '../../src/core/stores.js';
import { createRedisStores, type RedisStores } from '../../src/stores/redis/create-redis-stores.js';
import { startRedisCluster } from './helpers/start-redis-cluster.js';
import { redisUnavailableReason, startRedisServer } from './helpers/start-redis-server.js';

const skipReason = redisUnavailableReason();
const hasRedisCli = spawnSync('redis-cli', ['--version']).status === 0;

const topologies = [
  { name: 'one Redis server', cluster: false },
  { name: 'a three-master Redis Cluster', cluster: true },
];

const pendingRecord = (toolCallId: string, sessionId: string, runId: string): PendingAnswerRecord => ({
  toolCallId,
  sessionId,
  runId,
  kind: 'client_tool',
  nonce: 'n',
  requestedAt: Date.now(),
  expiresAt: Date.now() + 60_000,
  status: 'pending',
  toolName: 'pick_file',
});

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

const parts = (stores: RedisStores) => {
  const { runBookkeeping, runLeases, runDirectory } = stores;
  if (runBookkeeping === undefined || runLeases === undefined || runDirectory === undefined) {
    throw new Error('the Redis bundle has run bookkeeping, leases and a directory');
  }
  return { bookkeeping: runBookkeeping, leases: runLeases, directory: runDirectory };
};

describe.each(topologies)('Redis run bookkeeping on $name', (topology) => {
  if (skipReason !== undefined || (topology.cluster && !hasRedisCli)) {
    it.skip('needs redis-server (and redis-cli for a Cluster)', () => undefined);
    return;
  }
  let url: string;
  let stop: () => Promise<void>;
  const opened: RedisStores[] = [];
  const open = async (keyPrefix: string): Promise<RedisStores> => {
    const stores = createRedisStores({ url, keyPrefix, ...(topology.cluster ? { cluster: true } : {}) });
    opened.push(stores);
    await stores.connect?.();
    return stores;
  };
  beforeAll(async () => {
    if (topology.cluster) {
      const cluster = await startRedisCluster();
      url = cluster.urls[0] ?? '';
      stop = () => cluster.stop();
    } else {
      const server = await startRedisServer();
      url = server.url;
      stop = () => server.stop();
    }
  });
  afterAll(async () => {
    await Promise.all(opened.map((stores) => stores.close()));
    await stop();
  });

  it('frees the session and ends the lease only for the run’s current holder', async () => {
    const prefix = `t${randomBytes(4).toString('hex')}:`;
    const [a, b] = await Promise.all([open(prefix), open(prefix)]);
    const onA = parts(a);
    const onB = parts(b);
    const sessionId = 'sess_bookkeeping';
    const runId = 'run_bookkeeping';
    const now = Math.floor(Date.now() / 1000);
    await a.sessions.create({
      sessionId,
      apiKeyHash: 'h',
      createdAt: now,
      expiresAt: now + 3_600,
      approvedToolTypes: [],
    });
    expect(await a.sessions.acquireRunLock(sessionId)).toBe(true);

    const location = { runId, sessionId, instanceId: 'instance-a', finished: false };
    const request = { messages: [{ role: 'user', content: 'hello' }] };
    await onA.bookkeeping.open({
      location,
      directoryTtlMs: 86_400_000,
      lease: { record: { runId, sessionId, request }, owner: 'A', leaseMs: 50 },
    });
    expect(await onA.directory.getLatest(sessionId)).toEqual(location);
    expect(await onA.leases.holds(runId, 1)).toBe(true);
    await a.pendingAnswers.create(pendingRecord('call_waiting', sessionId, runId));
    await a.pendingAnswers.create(pendingRecord('call_answered', sessionId, runId));
    expect(
      await a.pendingAnswers.transition(
        { sessionId, runId, toolCallId: 'call_answered' },
        'pending',
        'received',
      ),
    ).toBe(true);

    // A's lease lapses and B takes the run over (epoch 2), with the record A's open wrote.
    await sleep(100);
    const claimed = await onB.leases.claimOrphaned('B', 60_000);
    expect(claimed.map((run) => [run.record.runId, run.record.request, run.epoch])).toEqual([
      [runId, request, 2],
    ]);

    // A, no longer the holder, touches neither the session nor B's lease.
    expect(await onA.bookkeeping.freeSession({ runId, sessionId, epoch: 1 })).toBe(false);
    expect(await a.sessions.acquireRunLock(sessionId)).toBe(false);
    expect((await a.pendingAnswers.get({ sessionId, runId, toolCallId: 'call_waiting' }))?.status).toBe(
      'pending',
    );
    await onA.bookkeeping.finish({ runId, sessionId, retentionMs: 60_000, epoch: 1, owner: 'A' });
    expect(await onB.leases.holds(runId, 2)).toBe(true);

    // B, the holder, frees the session (waiting calls withdrawn, answered ones kept) and ends it.
    expect(await onB.bookkeeping.freeSession({ runId, sessionId, epoch: 2 })).toBe(true);
    expect(await a.pendingAnswers.get({ sessionId, runId, toolCallId: 'call_waiting' })).toBeUndefined();
    expect((await a.pendingAnswers.get({ sessionId, runId, toolCallId: 'call_answered' }))?.status).toBe(
      'received',
    );
    expect(await a.sessions.acquireRunLock(sessionId)).toBe(true);
    await onB.bookkeeping.finish({ runId, sessionId, retentionMs: 60_000, epoch: 2, owner: 'B' });
    // Twice is harmless (a failed finish is retried).
    await onB.bookkeeping.finish({ runId, sessionId, retentionMs: 60_000, epoch: 2, owner: 'B' });
    expect(await onB.leases.holds(runId, 2)).toBe(false);
    expect(await onA.directory.getLatest(sessionId)).toEqual({ ...location, finished: true });
    // Ended and out of the index: nobody finds it to claim, even once B stops beating.
    await onB.leases.leave('B');
    expect(await onA.leases.claimOrphaned('A', 60_000, { silentOwnerMs: 1 })).toEqual([]);
  });
});
