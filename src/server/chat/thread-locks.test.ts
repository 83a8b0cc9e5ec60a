import { describe, expect, it, vi } from 'vitest';
import type { SlotCounter } from '../../core/slot-counter.js';
import { createMemorySlotCounter } from '../../stores/memory/memory-slot-counter.js';
import { createThreadLocks } from './thread-locks.js';

const phone = { sessionId: 'sess_phone', runId: 'run_1' };
const laptop = { sessionId: 'sess_laptop', runId: 'run_2' };

const throwing = (error: unknown): never => {
  throw error;
};

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
    // The instance that takes the run over renews the holding the run has; others are refused.
    expect(await locks.retake('thr_a', laptop)).toBeUndefined();
    const retaken = await locks.retake('thr_a', phone);
    expect(retaken).toBeDefined();
    await retaken?.release();
    expect(await locks.holder('thr_a')).toBeUndefined();
  });

  it('never lets a late release of a run’s earlier holding free its later one (a suspended run resumed)', async () => {
    const counter = createMemorySlotCounter();
    let applyRelease: () => void = () => undefined;
    const gate = new Promise<void>((resolve) => {
      applyRelease = resolve;
    });
    // The suspended run's release is on its way to the store (a Redis round trip, say).
    const slowRelease: SlotCounter = {
      ...counter,
      release: (key, member) => gate.then(() => counter.release(key, member)),
    };
    const locks = createThreadLocks({ counter: slowRelease, report: throwing });
    const suspended = await locks.acquire('thr_a', phone);
    const releasing = suspended?.release();
    // Until it has landed, the same run resumed is refused rather than sharing the holding.
    expect(await locks.acquire('thr_a', phone)).toBeUndefined();
    applyRelease();
    await releasing;
    const resumed = await locks.acquire('thr_a', phone);
    expect(resumed).toBeDefined();
    // The earlier holding's release, however late, is spent: the resumed run keeps the thread.
    await suspended?.release();
    expect(await locks.holder('thr_a')).toEqual(phone);
    expect(await locks.acquire('thr_a', laptop)).toBeUndefined();
  });

  it('frees a run’s later holding only through that holding', async () => {
    const counter = createMemorySlotCounter();
    const locks = createThreadLocks({ counter, report: throwing });
    const first = await locks.acquire('thr_a', phone);
    // A stale holder of the same run name gives back a slot it no longer holds.
    const [member] = await counter.holders('thr_a');
    await first?.release();
    const second = await locks.acquire('thr_a', phone);
    await counter.release('thr_a', member ?? '');
    expect(await locks.holder('thr_a')).toEqual(phone);
    await second?.release();
    expect(await locks.holder('thr_a')).toBeUndefined();
  });
});
