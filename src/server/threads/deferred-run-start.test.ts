import { afterEach, describe, expect, it, vi } from 'vitest';
import type { RunStartRecord, ThreadStore } from '../../core/thread-store.js';
import { createMemoryThreadStore } from '../../database/memory/memory-thread-store.js';
import { createGatewayDatabase } from '../database/gateway-database.js';
import { DeferredRunStartWrite } from './deferred-run-start.js';

const owner = { apiKeyHash: 'k', user: 'u' };
const startOf = (id: string): RunStartRecord => ({
  id,
  threadId: null,
  owner,
  model: 'm',
  startedAt: 1,
  threadEpoch: undefined,
});

/** A memory store that counts the starts it was asked to write. */
function countingStore(): { store: ThreadStore; starts: string[] } {
  const inner = createMemoryThreadStore();
  const starts: string[] = [];
  const store: ThreadStore = {
    ...inner,
    recordRunStart: (run) => {
      starts.push(run.id);
      return inner.recordRunStart(run);
    },
  };
  return { store, starts };
}

afterEach(() => {
  vi.useRealTimers();
});

describe('DeferredRunStartWrite', () => {
  it('is never written on its own when the run ends first, and stops being tracked', async () => {
    const { store, starts } = countingStore();
    const database = createGatewayDatabase(store);
    const held = new DeferredRunStartWrite(database, store, startOf('run_short'));
    held.writeLater(10_000);
    expect(held.release()).toBeUndefined();
    // Nothing refers to it any more: a read of the run does not write its start.
    await database.runStarted('run_short');
    held.writeNow();
    expect(starts).toEqual([]);
  });

  it('is written once its run has gone on for the delay', async () => {
    vi.useFakeTimers();
    const { store, starts } = countingStore();
    const database = createGatewayDatabase(store);
    const held = new DeferredRunStartWrite(database, store, startOf('run_long'));
    held.writeLater(250);
    held.writeLater(250);
    await vi.advanceTimersByTimeAsync(249);
    expect(starts).toEqual([]);
    await vi.advanceTimersByTimeAsync(1);
    expect(starts).toEqual(['run_long']);
    // The end goes after the start's write, which is not written twice.
    await held.release();
    expect(starts).toEqual(['run_long']);
  });

  it('is written at once, and once, when something refers to the run', async () => {
    const { store, starts } = countingStore();
    const database = createGatewayDatabase(store);
    const held = new DeferredRunStartWrite(database, store, startOf('run_asked'));
    held.writeLater(10_000);
    await Promise.all([database.runStarted('run_asked'), held.whenRecorded()]);
    expect(starts).toEqual(['run_asked']);
    await expect(store.getRun(owner, 'run_asked')).resolves.toMatchObject({ status: 'running' });
    // Written: the timer is gone and the database no longer tracks it.
    await database.runStarted('run_asked');
    held.writeNow();
    await held.release();
    expect(starts).toEqual(['run_asked']);
  });

  it('settles, without rejecting, when its write is given up', async () => {
    const { store } = countingStore();
    const failing: ThreadStore = { ...store, recordRunStart: () => Promise.reject(new Error('refused')) };
    const reports: string[] = [];
    const database = createGatewayDatabase(failing, undefined, (_error, where) => reports.push(where));
    const held = new DeferredRunStartWrite(database, failing, startOf('run_refused'));
    await expect(held.whenRecorded()).resolves.toBeUndefined();
    expect(reports).toEqual(['database: start of run run_refused']);
  });

  it('shares one timer among the starts held back, each written when due, and none of those released', async () => {
    vi.useFakeTimers();
    const { store, starts } = countingStore();
    const database = createGatewayDatabase(store);
    const held = ['run_a', 'run_b', 'run_c', 'run_d'].map(
      (id) => new DeferredRunStartWrite(database, store, startOf(id)),
    );
    const [a, b, c, d] = held;
    // Counted around synchronous calls: in a worker shared with other test files, a timer left
    // by one of them may be pending too (it once read 2 where this clock had armed 1).
    const before = vi.getTimerCount();
    a?.writeLater(250);
    expect(vi.getTimerCount()).toBe(before + 1);
    await vi.advanceTimersByTimeAsync(100);
    const armed = vi.getTimerCount();
    b?.writeLater(250);
    c?.writeLater(250);
    d?.writeLater(250);
    expect(vi.getTimerCount()).toBe(armed);
    expect(c?.release()).toBeUndefined();
    await vi.advanceTimersByTimeAsync(150);
    expect(starts).toEqual(['run_a']);
    // b and d are due 100 ms later: written then, by the same clock; c ended first, and is not.
    await vi.advanceTimersByTimeAsync(99);
    expect(starts).toEqual(['run_a']);
    await vi.advanceTimersByTimeAsync(1);
    expect(starts).toEqual(['run_a', 'run_b', 'run_d']);
    // Written: the end goes after each write; the clock has nothing more to look at.
    await Promise.all([a?.release(), b?.release(), d?.release()]);
    await vi.advanceTimersByTimeAsync(1_000);
    expect(starts).toEqual(['run_a', 'run_b', 'run_d']);
    expect(vi.getTimerCount()).toBeLessThan(armed);
  });
});
