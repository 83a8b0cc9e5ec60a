import { describe, expect, it } from 'vitest';
import type { ThreadStore } from '../../core/thread-store.js';
import { createMemoryThreadStore } from '../../database/memory/memory-thread-store.js';
import { startRetentionSweep } from './retention-sweep.js';

const DAY = 86_400_000;
const owner = { apiKeyHash: 'key' };

/** A memory store whose clock the test sets, with `old` threads written at 0 and `fresh` at `at`. */
async function storeWith(old: number, fresh: number, at: number) {
  let clock = 0;
  const store = createMemoryThreadStore({ now: () => clock });
  for (let index = 0; index < old; index += 1) {
    await store.createThread(owner, { id: `old-${index}` });
    await store.recordRunStart({
      id: `run-${index}`,
      threadId: `old-${index}`,
      owner,
      model: 'm',
      startedAt: 0,
    });
  }
  clock = at;
  for (let index = 0; index < fresh; index += 1) await store.createThread(owner, { id: `fresh-${index}` });
  return store;
}

const countThreads = async (store: ThreadStore): Promise<number> =>
  (await store.listThreads(owner, { limit: 200 })).items.length;

describe('startRetentionSweep', () => {
  it('deletes the idle threads batch by batch at start, keeps the fresh ones, and stops', async () => {
    const store = await storeWith(7, 2, 30 * DAY);
    const swept: number[] = [];
    const sweep = startRetentionSweep({
      store: () => store,
      retentionMs: 7 * DAY,
      intervalMs: 3_600_000,
      batchSize: 3,
      report: (error) => {
        throw error;
      },
      onSwept: (deleted) => swept.push(deleted),
      now: () => 30 * DAY,
    });
    // The first round starts with the sweep; a call meanwhile shares it, a later one finds nothing.
    expect(await sweep.sweepOnce()).toBe(7);
    expect(await sweep.sweepOnce()).toBe(0);
    await sweep.stop();
    await sweep.stop();
    expect(swept).toEqual([7]);
    expect(await countThreads(store)).toBe(2);
    expect(await store.getRun(owner, 'run-0')).toBeUndefined();
  });

  it('reports a failed round and goes on sweeping at the next one', async () => {
    const store = await storeWith(2, 0, DAY);
    let calls = 0;
    const flaky: ThreadStore = {
      ...store,
      deleteThreadsIdleSince: (cutoff, limit) => {
        calls += 1;
        return calls === 1
          ? Promise.reject(new Error('connection reset'))
          : store.deleteThreadsIdleSince(cutoff, limit);
      },
    };
    const reports: string[] = [];
    let deleted = 0;
    let resolve: () => void = () => undefined;
    const sweptAgain = new Promise<void>((settle) => (resolve = settle));
    const sweep = startRetentionSweep({
      store: () => flaky,
      retentionMs: 1,
      intervalMs: 1,
      report: (error, where) => reports.push(`${where}: ${(error as Error).message}`),
      onSwept: (count) => {
        deleted += count;
        resolve();
      },
      now: () => DAY,
    });
    await sweptAgain;
    await sweep.stop();
    expect(reports).toEqual(['thread retention sweep: connection reset']);
    expect(deleted).toBe(2);
  });

  it('sweeps nothing while the store is not open', async () => {
    const sweep = startRetentionSweep({
      store: () => undefined,
      retentionMs: 1,
      intervalMs: 1_000,
      report: () => undefined,
    });
    expect(await sweep.sweepOnce()).toBe(0);
    await sweep.stop();
  });

  it('lets two sweepers share one store: each thread is deleted once, none twice', async () => {
    const store = await storeWith(9, 1, 10 * DAY);
    const options = {
      store: () => store,
      retentionMs: DAY,
      intervalMs: 3_600_000,
      batchSize: 2,
      report: (error: unknown) => {
        throw error;
      },
      now: () => 10 * DAY,
    };
    const first = startRetentionSweep(options);
    const second = startRetentionSweep(options);
    const [a, b] = await Promise.all([first.sweepOnce(), second.sweepOnce()]);
    await Promise.all([first.stop(), second.stop()]);
    expect((a ?? 0) + (b ?? 0)).toBeLessThanOrEqual(9);
    expect(await countThreads(store)).toBe(1);
  });
});
