import { afterEach, describe, expect, it } from 'vitest';
import type { QueuedRunRecord } from '../src/core/queued-run-store.js';
import type { SqlThreadStore } from '../src/database/sql/sql-thread-store.js';
import { createCleanupStack } from './helpers/cleanup-stack.js';
import { useSharedPostgresCluster } from './helpers/shared-postgres-cluster.js';

const cleanup = createCleanupStack();
afterEach(() => cleanup.run(), 20_000);
const { unavailable, openCluster } = useSharedPostgresCluster(cleanup);

const LEASE_MS = 10_000;
const START = Date.parse('2026-06-01T00:00:00Z');

const queued = (runId: string, sessionId: string, queuedAt: number): QueuedRunRecord => ({
  runId,
  owner: { apiKeyHash: 'owner-hash', user: 'ada' },
  sessionId,
  threadId: 'thr_1',
  scheduleId: null,
  request: { messages: [{ role: 'user', content: `message of ${runId}` }], metadata: { n: 1 } },
  queuedAt,
});

describe.skipIf(unavailable !== undefined)('queued runs in the database', () => {
  it('keeps a queued run while its claimer renews it, and gives it to one other instance once that stops', async () => {
    const [accepting, b, c] = (await openCluster(3)).stores as [
      SqlThreadStore,
      SqlThreadStore,
      SqlThreadStore,
    ];
    const record = queued('run_q1', 'sess_1', START);
    await accepting.queuedRuns?.enqueue(record, 'accepting', LEASE_MS, START);
    expect(await b.queuedRuns?.claimLapsed('b', LEASE_MS, START + 5_000, 10)).toEqual([]);
    expect(await accepting.queuedRuns?.renew('run_q1', 'accepting', LEASE_MS, START + 5_000)).toBe(true);
    expect(await b.queuedRuns?.claimLapsed('b', LEASE_MS, START + 12_000, 10)).toEqual([]);
    // The accepting instance dies: it renews no more. Two instances look at once; one wins.
    const at = START + 15_001;
    const [fromB, fromC] = await Promise.all([
      b.queuedRuns?.claimLapsed('b', LEASE_MS, at, 10),
      c.queuedRuns?.claimLapsed('c', LEASE_MS, at, 10),
    ]);
    const claims = [...(fromB ?? []), ...(fromC ?? [])];
    expect(claims).toEqual([record]);
    const winner = fromB?.length === 1 ? 'b' : 'c';
    // The dead instance, back, learns it lost the run; only the winner takes it out of the queue.
    expect(await accepting.queuedRuns?.renew('run_q1', 'accepting', LEASE_MS, at)).toBe(false);
    expect(await accepting.queuedRuns?.started('run_q1', 'accepting')).toBe(false);
    expect(await b.queuedRuns?.started('run_q1', winner)).toBe(true);
    expect(await c.queuedRuns?.listForSession('sess_1')).toEqual([]);
  });

  it("claims only the oldest queued run of a session, so that a session's runs start in queue order", async () => {
    const [accepting, taker] = (await openCluster(2)).stores as [SqlThreadStore, SqlThreadStore];
    await accepting.queuedRuns?.enqueue(queued('run_b', 'sess_1', START + 1), 'accepting', LEASE_MS, START);
    await accepting.queuedRuns?.enqueue(queued('run_a', 'sess_1', START), 'accepting', LEASE_MS, START);
    await accepting.queuedRuns?.enqueue(queued('run_c', 'sess_2', START + 2), 'accepting', LEASE_MS, START);
    expect((await taker.queuedRuns?.listForSession('sess_1'))?.map((run) => run.runId)).toEqual([
      'run_a',
      'run_b',
    ]);
    const later = START + LEASE_MS + 1;
    const first = await taker.queuedRuns?.claimLapsed('taker', LEASE_MS, later, 10);
    expect(first?.map((run) => run.runId)).toEqual(['run_a', 'run_c']);
    expect(await taker.queuedRuns?.claimLapsed('taker', LEASE_MS, later, 10)).toEqual([]);
    expect(await taker.queuedRuns?.started('run_a', 'taker')).toBe(true);
    const next = await taker.queuedRuns?.claimLapsed('taker', LEASE_MS, later, 10);
    expect(next?.map((run) => run.runId)).toEqual(['run_b']);
  });

  it('shows and cancels a queued run for its owner only, and its claimer then learns it is gone', async () => {
    const [accepting, other] = (await openCluster(2)).stores as [SqlThreadStore, SqlThreadStore];
    const record = queued('run_x', 'sess_1', START);
    await accepting.queuedRuns?.enqueue(record, 'accepting', LEASE_MS, START);
    const stranger = { apiKeyHash: 'owner-hash', user: 'bob' };
    expect(await other.queuedRuns?.get(stranger, 'run_x')).toBeUndefined();
    expect(await other.queuedRuns?.cancel(stranger, 'run_x')).toBe(false);
    expect(await other.queuedRuns?.get(record.owner, 'run_x')).toEqual(record);
    expect(await other.queuedRuns?.cancel(record.owner, 'run_x')).toBe(true);
    expect(await other.queuedRuns?.cancel(record.owner, 'run_x')).toBe(false);
    expect(await accepting.queuedRuns?.renew('run_x', 'accepting', LEASE_MS, START + 1)).toBe(false);
    expect(await accepting.queuedRuns?.started('run_x', 'accepting')).toBe(false);
  });

  it('gives a queued run to another instance at once when its claimer gives the claim up', async () => {
    const [closing, other] = (await openCluster(2)).stores as [SqlThreadStore, SqlThreadStore];
    const record = queued('run_r', 'sess_1', START);
    await closing.queuedRuns?.enqueue(record, 'closing', LEASE_MS, START);
    await other.queuedRuns?.release('run_r', 'other');
    expect(await other.queuedRuns?.claimLapsed('other', LEASE_MS, START + 1, 10)).toEqual([]);
    await closing.queuedRuns?.release('run_r', 'closing');
    expect(await other.queuedRuns?.claimLapsed('other', LEASE_MS, START + 1, 10)).toEqual([record]);
    expect(await other.queuedRuns?.started('run_r', 'other')).toBe(true);
  });

  it("lists an owner's queued runs, newest first, a page at a time, by thread when asked", async () => {
    const [store] = (await openCluster(1)).stores as [SqlThreadStore];
    const queue = store.queuedRuns;
    if (queue === undefined) throw new Error('the SQL store keeps queued runs');
    const other = {
      ...queued('run_other', 'sess_9', START + 5),
      owner: { apiKeyHash: 'owner-hash', user: 'bob' },
    };
    const elsewhere = { ...queued('run_t2', 'sess_2', START + 3), threadId: 'thr_2' };
    for (const record of [
      queued('run_1', 'sess_1', START),
      queued('run_2', 'sess_1', START + 1),
      // Queued in the same millisecond: the run id breaks the tie, and no page repeats or skips it.
      queued('run_3a', 'sess_1', START + 2),
      queued('run_3b', 'sess_1', START + 2),
      elsewhere,
      other,
    ]) {
      await queue.enqueue(record, 'accepting', LEASE_MS, START);
    }
    const owner = { apiKeyHash: 'owner-hash', user: 'ada' };
    const first = await queue.listForOwner(owner, {}, { limit: 3 });
    expect(first.items.map((run) => run.runId)).toEqual(['run_t2', 'run_3b', 'run_3a']);
    expect(first.items[0]).toEqual(elsewhere);
    const second = await queue.listForOwner(
      owner,
      {},
      { limit: 3, ...(first.nextCursor === undefined ? {} : { cursor: first.nextCursor }) },
    );
    expect(first.nextCursor).toBeDefined();
    expect(second.items.map((run) => run.runId)).toEqual(['run_2', 'run_1']);
    expect(second.nextCursor).toBeUndefined();
    const ofThread = await queue.listForOwner(owner, { threadId: 'thr_2' }, { limit: 10 });
    expect(ofThread.items.map((run) => run.runId)).toEqual(['run_t2']);
    expect((await queue.listForOwner(other.owner, {}, { limit: 10 })).items).toEqual([other]);
    await expect(queue.listForOwner(owner, {}, { limit: 10, cursor: 'not-a-cursor' })).rejects.toMatchObject({
      code: 'invalid_option',
    });
    // A run that started left the queue, and the list.
    expect(await queue.started('run_2', 'accepting')).toBe(true);
    expect((await queue.listForOwner(owner, {}, { limit: 10 })).items.map((run) => run.runId)).toEqual([
      'run_t2',
      'run_3b',
      'run_3a',
      'run_1',
    ]);
  });
});
