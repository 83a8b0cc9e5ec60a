import { spawnSync } from 'node:child_process';
import { Cluster, Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createRedisKeySpace } from '../../src/stores/redis/redis-key-space.js';
import { textTurn } from '../../src/testing/scripted-turn.js';
import { createCleanupStack } from '../helpers/cleanup-stack.js';
import { readAllSseFrames } from '../helpers/sse-reader.js';
import { waitFor } from '../helpers/wait-for.js';
import { startRedisCluster } from './helpers/start-redis-cluster.js';
import { redisUnavailableReason, startRedisServer } from './helpers/start-redis-server.js';
import { startRedisGateways } from './helpers/start-redis-gateways.js';

const skipReason = redisUnavailableReason();
const hasRedisCli = spawnSync('redis-cli', ['--version']).status === 0;

/**
 * Round trips one short chat makes (`roundTrips()`, a pipeline or script counts once), its end
 * included. Before the combined bookkeeping scripts: 18 on either topology (session lookup,
 * lock, lease, lease index, directory, two subscriptions and their ends, two appends, then
 * lease check, pending answers, lock, retention, directory, lease end, lease index). Now the run's
 * start, its session's release and its end are one script each on a single server (11), and
 * per-slot scripts on a Cluster (16). The caps per API key add three, deployment-wide: the
 * key's pending answers and its run slot at the start, the slot's release at the end (14 and 19).
 * The run's subscription to its session's steering messages (`multitask: "steer"` sent to
 * another instance) adds one (15 and 20). The run id's reservation adds two, deployment-wide: its
 * `run-ids` slot taken where the id is drawn, and given back at the end (17 and 22: renewed for
 * the minute's grace after the run rather than removed, one call either way). One more is
 * allowed for a renewal or heartbeat landing in the window (both are set far apart here).
 */
const topologies = [
  { name: 'one Redis server', cluster: false, atMost: 18 },
  { name: 'a three-master Redis Cluster', cluster: true, atMost: 23 },
];

const cleanup = createCleanupStack();
afterEach(() => cleanup.run());

describe.each(topologies)('a chat on $name', (topology) => {
  if (skipReason !== undefined || (topology.cluster && !hasRedisCli)) {
    it.skip('needs redis-server (and redis-cli for a Cluster)', () => undefined);
    return;
  }
  let urls: readonly string[];
  let stop: () => Promise<void>;
  beforeAll(async () => {
    if (topology.cluster) {
      const cluster = await startRedisCluster();
      urls = cluster.urls;
      stop = () => cluster.stop();
    } else {
      const server = await startRedisServer();
      urls = [server.url];
      stop = () => server.stop();
    }
  });
  afterAll(() => stop());

  it('does its bookkeeping in few round trips, and leaves the run ended, retained and its session free', async () => {
    const [gateway] = await startRedisGateways(cleanup, {
      url: urls[0] ?? '',
      ...(topology.cluster ? { topology: { cluster: true } } : {}),
      turns: [[textTurn('The first answer.'), textTurn('The second answer.')]],
      server: { runLeaseMs: 60_000, instanceHeartbeatMs: 20_000, streamRetentionMs: 120_000 },
    });
    if (gateway === undefined) throw new Error('one gateway expected');
    // A separate connection, so that the checks are not counted.
    const inspect = cleanup.add(
      topology.cluster
        ? new Cluster(urls.map((url) => ({ host: new URL(url).hostname, port: Number(new URL(url).port) })))
        : new Redis(urls[0] ?? ''),
      (client) => client.disconnect(),
    );
    const keys = createRedisKeySpace(gateway.keyPrefix, { hashTags: topology.cluster });
    const session = await gateway.client.openSession();

    const before = gateway.stores.roundTrips();
    const frames = await readAllSseFrames(await gateway.client.chat(session.token, 'hello'));
    expect(frames.at(-1)?.event.type).toBe('stream_complete');
    const runId = frames.at(-1)?.runId ?? '';
    // The run's end completes in the background after the client saw `stream_complete`.
    await waitFor(async () => {
      const ended = (await inspect.hget(keys.runLease(runId), 'ended')) === '1';
      return ended && (await inspect.zscore(keys.runLeaseExpiries(), runId)) === null ? true : undefined;
    });
    const used = gateway.stores.roundTrips() - before;
    expect(used).toBeLessThanOrEqual(topology.atMost);

    // The same writes as the separate calls: the lease ended as a tombstone, out of the index;
    // the log and the directory entry kept for the retention, the entry marked finished.
    expect(await inspect.hmget(keys.runLease(runId), 'record', 'checkpoint')).toEqual([null, null]);
    expect(await inspect.zscore(keys.runLeaseExpiries(), runId)).toBeNull();
    const byOwner = await inspect.zrange(keys.runsByOwner(), 0, -1);
    expect(byOwner.filter((member) => member.endsWith(`|${runId}`))).toEqual([]);
    expect(await inspect.hgetall(keys.latestRun(session.sessionId))).toMatchObject({
      runId,
      instanceId: 'instance-0',
      finished: '1',
    });
    for (const key of [keys.runEvents(runId), keys.latestRun(session.sessionId)]) {
      const ttl = await inspect.ttl(key);
      expect(ttl).toBeGreaterThan(0);
      expect(ttl).toBeLessThanOrEqual(120);
    }
    expect(await inspect.exists(keys.runLock(session.sessionId))).toBe(0);

    // The session is free: the next message starts at once.
    const next = await readAllSseFrames(await gateway.client.chat(session.token, 'and again'));
    expect(next.at(-1)?.event.type).toBe('stream_complete');
  });
});
