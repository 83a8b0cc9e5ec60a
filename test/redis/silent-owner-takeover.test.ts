import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunLeaseStore, RunRecord } from '../../src/core/run-takeover.js';
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
  sessionId: `sess_${runId}`,
  request: { messages: [{ role: 'user', content: 'hello' }], context: {} },
});

const leasesOf = (stores: RedisStores): RunLeaseStore => {
  const leases = stores.runLeases;
  if (leases === undefined) throw new Error('the Redis bundle has run leases');
  return leases;
};

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Leases far longer than any test: only a silent heartbeat can free these runs. */
const LONG_LEASE_MS = 600_000;
const SILENT_MS = 200;

describe.skipIf(skipReason !== undefined)('runs of an instance whose heartbeat stopped', () => {
  let server: RedisServerProcess;
  const opened: RedisStores[] = [];
  /** Three instances' lease stores on one Redis and key prefix (and the first one's stores). */
  const open = async (keyPrefix: string): Promise<RunLeaseStore[] & { first?: RedisStores | undefined }> => {
    const bundles = await Promise.all(
      [0, 1, 2].map(async () => {
        const stores = createRedisStores({ url: server.url, keyPrefix, readBlockMs: 200 });
        opened.push(stores);
        await stores.connect?.();
        return stores;
      }),
    );
    return Object.assign(bundles.map(leasesOf), { first: bundles[0] });
  };
  const prefix = (): string => `so${randomBytes(4).toString('hex')}:`;

  beforeAll(async () => {
    server = await startRedisServer();
  });
  afterAll(async () => {
    await Promise.all(opened.map((stores) => stores.close()));
    await server.stop();
  });

  it('are all claimed in one scan, long before their leases lapse, each by exactly one instance', async () => {
    const [a, b, c] = await open(prefix());
    if (a === undefined || b === undefined || c === undefined) throw new Error('three stores expected');
    const runIds = Array.from({ length: 40 }, (_unused, index) => `run_${index}`);
    await a.beat('A.1');
    await Promise.all(runIds.map((runId) => a.begin(record(runId), 'A.1', LONG_LEASE_MS)));
    // A dies: B and C keep beating, A does not.
    await sleep(SILENT_MS + 100);
    await Promise.all([b.beat('B.1'), c.beat('C.1')]);
    expect(await b.beat('B.1', { silentOwnerMs: SILENT_MS })).toBe(true);

    const [byB, byC] = await Promise.all([
      b.claimOrphaned('B.1', LONG_LEASE_MS, { silentOwnerMs: SILENT_MS }),
      c.claimOrphaned('C.1', LONG_LEASE_MS, { silentOwnerMs: SILENT_MS }),
    ]);
    const claimed = [...(byB ?? []), ...(byC ?? [])];
    expect(claimed.map((run) => run.record.runId).sort()).toEqual([...runIds].sort());
    expect(new Set(claimed.map((run) => run.epoch))).toEqual(new Set([2]));
    expect(claimed[0]?.record).toEqual(record(claimed[0]?.record.runId ?? ''));

    // Nothing is left to claim, and the silent owner is forgotten once it holds nothing.
    expect(await b.claimOrphaned('B.1', LONG_LEASE_MS, { silentOwnerMs: SILENT_MS })).toEqual([]);
    expect(await b.beat('B.1', { silentOwnerMs: SILENT_MS })).toBe(false);
  });

  it('stay with an owner that keeps beating, whose leases are only taken once they lapse', async () => {
    const [a, b] = await open(prefix());
    if (a === undefined || b === undefined) throw new Error('two stores expected');
    await a.begin(record('run_kept'), 'A.1', LONG_LEASE_MS);
    await a.begin(record('run_lapsing'), 'A.1', 100);
    for (let beat = 0; beat < 4; beat += 1) {
      await a.beat('A.1');
      await sleep(SILENT_MS / 2);
    }
    const claimed = await b.claimOrphaned('B.1', LONG_LEASE_MS, { silentOwnerMs: SILENT_MS });
    expect(claimed.map((run) => run.record.runId)).toEqual(['run_lapsing']);
    expect(await a.renew('run_kept', 'A.1', 1, LONG_LEASE_MS)).toBe('renewed');
    expect(await a.renew('run_lapsing', 'A.1', 1, LONG_LEASE_MS)).toBe('lost');
  });

  it('are not judged without silentOwnerMs: only lapsed leases count then', async () => {
    const [a, b] = await open(prefix());
    if (a === undefined || b === undefined) throw new Error('two stores expected');
    await a.beat('A.1');
    await a.begin(record('run_quiet'), 'A.1', LONG_LEASE_MS);
    await sleep(SILENT_MS + 100);
    expect(await b.beat('B.1')).toBe(false);
    expect(await b.claimOrphaned('B.1', LONG_LEASE_MS)).toEqual([]);
  });

  it('fence the silent owner if it was alive after all: its renewals, checkpoints and appends are refused', async () => {
    const instances = await open(prefix());
    const [a, b] = instances;
    const eventsOf = instances.first?.runEvents;
    if (a === undefined || b === undefined || eventsOf === undefined) throw new Error('stores expected');
    // A runs the run with a long lease and appends seq 1, then is cut off (its heartbeat lapses).
    await a.beat('A.1');
    await a.begin(record('run_p'), 'A.1', LONG_LEASE_MS);
    expect(
      await eventsOf.append('run_p', [{ seq: 1, event: { type: 'text_delta', text: 'a' } }], { epoch: 1 }),
    ).toBe(true);
    await sleep(SILENT_MS + 100);
    await b.beat('B.1');
    const [claimed] = await b.claimOrphaned('B.1', LONG_LEASE_MS, { silentOwnerMs: SILENT_MS });
    expect(claimed?.epoch).toBe(2);

    // A comes back: whatever it sends under epoch 1 is refused, and it learns it lost the run.
    const late = { seq: 2, event: { type: 'text_delta' as const, text: 'late' } };
    expect(await eventsOf.append('run_p', [late], { epoch: 1 })).toBe(false);
    expect(
      await a.saveCheckpoint('run_p', 1, {
        messages: [],
        turns: 9,
        tokens: { inputTokens: 0, outputTokens: 0, cacheReadTokens: 0, cacheCreationTokens: 0 },
      }),
    ).toBe(false);
    expect(await a.renew('run_p', 'A.1', 1, LONG_LEASE_MS)).toBe('lost');
    expect(await a.holds('run_p', 1)).toBe(false);
    await a.relinquish('run_p', 1);
    await a.end('run_p', 1);
    // The new owner's lease and sequence are untouched.
    expect(await b.holds('run_p', 2)).toBe(true);
    expect(await eventsOf.append('run_p', [late], { epoch: 2 })).toBe(true);
    expect(await eventsOf.lastSeq('run_p')).toBe(2);
    // And its beating again does not give it the run back.
    await a.beat('A.1');
    expect(await a.claimOrphaned('A.1', LONG_LEASE_MS, { silentOwnerMs: SILENT_MS })).toEqual([]);
  });

  it('that left (shut down) are claimable at once, without waiting for the silence', async () => {
    const [a, b] = await open(prefix());
    if (a === undefined || b === undefined) throw new Error('two stores expected');
    await a.beat('A.1');
    await b.beat('B.1');
    await a.begin(record('run_left'), 'A.1', LONG_LEASE_MS);
    await a.leave('A.1');
    expect(await b.beat('B.1', { silentOwnerMs: 60_000 })).toBe(true);
    const claimed = await b.claimOrphaned('B.1', LONG_LEASE_MS, { silentOwnerMs: 60_000 });
    expect(claimed.map((run) => run.record.runId)).toEqual(['run_left']);
  });
});
