import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createShutdownDeadline } from './shutdown-deadline.js';

const never = new Promise<never>(() => undefined);

/** Tracks whether `promise` settled yet. */
const tracked = (promise: Promise<unknown>) => {
  const state = { settled: false };
  void promise.finally(() => void (state.settled = true));
  return state;
};

describe('createShutdownDeadline', () => {
  beforeEach(() => void vi.useFakeTimers());
  afterEach(() => void vi.useRealTimers());

  it('ends a wait on a step that never settles at the deadline, and aborts its signal then', async () => {
    const deadline = createShutdownDeadline(10_000);
    const wait = tracked(deadline.settle([never]));
    await vi.advanceTimersByTimeAsync(9_999);
    expect(wait.settled).toBe(false);
    expect(deadline.signal.aborted).toBe(false);
    await vi.advanceTimersByTimeAsync(1);
    expect(wait.settled).toBe(true);
    expect(deadline.signal.aborted).toBe(true);
    expect(deadline.remainingMs()).toBe(0);
  });

  it('bounds each wait by its own cap and by the reserve left for later steps, never past the deadline', async () => {
    const deadline = createShutdownDeadline(10_000);
    const capped = tracked(deadline.settle([never], { capMs: 3_000 }));
    await vi.advanceTimersByTimeAsync(3_000);
    expect(capped.settled).toBe(true);
    // 7 000 ms are left; with 1 000 kept for later steps this wait ends after 6 000.
    const reserved = tracked(deadline.settle([never], { reserveMs: 1_000 }));
    await vi.advanceTimersByTimeAsync(5_999);
    expect(reserved.settled).toBe(false);
    await vi.advanceTimersByTimeAsync(1);
    expect(reserved.settled).toBe(true);
    // A wait past the deadline does not wait at all.
    await vi.advanceTimersByTimeAsync(1_000);
    const late = tracked(deadline.settle([never], { capMs: 5_000 }));
    await vi.advanceTimersByTimeAsync(0);
    expect(late.settled).toBe(true);
  });

  it('ends a wait as soon as its steps settle, a failed one included, without rejecting', async () => {
    const deadline = createShutdownDeadline(10_000);
    const wait = tracked(deadline.settle([Promise.resolve(1), Promise.reject(new Error('store down'))]));
    await vi.advanceTimersByTimeAsync(0);
    expect(wait.settled).toBe(true);
    await expect(deadline.settle([Promise.reject(new Error('x'))])).resolves.toBeUndefined();
    deadline.close();
    deadline.close();
    expect(vi.getTimerCount()).toBe(0);
  });
});
