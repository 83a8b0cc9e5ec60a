import { describe, expect, it, vi } from 'vitest';
import { createMemorySlotCounter } from '../../stores/memory/memory-slot-counter.js';
import { createThreadLocks } from './thread-locks.js';

const phone = { sessionId: 'sess_phone', runId: 'run_1' };
const laptop = { sessionId: 'sess_laptop', runId: 'run_2' };

const locksOf = () =>
  createThreadLocks({
    counter: createMemorySlotCounter(),
    report: (error) => {
      throw error;
    },
  });

describe('thread locks', () => {
  it('lets one run hold a thread, names it, and lets the next one in once it is given back', async () => {
    const locks = locksOf();
    const held = await locks.acquire('thr_a', phone);
    expect(held).toBeDefined();
    expect(await locks.acquire('thr_a', laptop)).toBeUndefined();
    expect(await locks.holder('thr_a')).toEqual(phone);
    // Another thread is another lock.
    expect(await locks.acquire('thr_b', laptop)).toBeDefined();
    await held?.release();
    await held?.release();
    expect(await locks.holder('thr_a')).toBeUndefined();
    expect(await locks.acquire('thr_a', laptop)).toBeDefined();
  });

  it('frees a deleted thread for its next owner: the old run neither takes it back nor gives it away', async () => {
    vi.useFakeTimers();
    try {
      const locks = createThreadLocks({
        counter: createMemorySlotCounter(),
        leaseMs: 30,
        report: (error) => {
          throw error;
        },
      });
      const old = await locks.acquire('thr_a', phone);
      await locks.evict('thr_a');
      // The old run's renewal comes round while the thread is free: it leaves it free.
      await vi.advanceTimersByTimeAsync(40);
      expect(await locks.holder('thr_a')).toBeUndefined();
      const next = await locks.acquire('thr_a', laptop);
      expect(next).toBeDefined();
      // The old run's release leaves the new holder's lock alone.
      await old?.release();
      expect(await locks.holder('thr_a')).toEqual(laptop);
      await next?.release();
    } finally {
      vi.useRealTimers();
    }
  });

  it('keeps the lock of a run that ended until its write settled, and says so to the next message', async () => {
    const locks = locksOf();
    const held = await locks.acquire('thr_a', phone);
    let written: () => void = () => undefined;
    held?.releaseAfter(
      new Promise<void>((resolve) => {
        written = resolve;
      }),
    );
    const finishing = locks.finishingHere('thr_a');
    expect(finishing).toBeDefined();
    expect(await locks.acquire('thr_a', laptop)).toBeUndefined();
    written();
    await finishing;
    expect(locks.finishingHere('thr_a')).toBeUndefined();
    expect(await locks.acquire('thr_a', laptop)).toBeDefined();
  });

  it('gives the lock back after a write that failed too', async () => {
    const locks = locksOf();
    const held = await locks.acquire('thr_a', phone);
    held?.releaseAfter(Promise.reject(new Error('database down')));
    await locks.finishingHere('thr_a');
    expect(await locks.holder('thr_a')).toBeUndefined();
  });

  it('leaves the lock held by a run that goes on at another instance', async () => {
    const locks = locksOf();
    const held = await locks.acquire('thr_a', phone);
    held?.standDown();
    await held?.release();
    expect(await locks.holder('thr_a')).toEqual(phone);
    // The instance that takes the run over takes the lock again under the same holder.
    expect(await locks.acquire('thr_a', phone)).toBeDefined();
  });
});
