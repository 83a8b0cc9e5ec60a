import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createPoller } from './poller.js';

/** A promise and the function that settles it. */
function deferred(): { promise: Promise<void>; resolve: () => void } {
  let resolve = (): void => undefined;
  const promise = new Promise<void>((settle) => {
    resolve = settle;
  });
  return { promise, resolve };
}

beforeEach(() => {
  vi.useFakeTimers();
});

afterEach(() => {
  vi.useRealTimers();
});

describe('createPoller', () => {
  it('ticks once per interval after start, and not before', async () => {
    const tick = vi.fn(() => Promise.resolve('done'));
    const poller = createPoller({ intervalMs: 1_000, tick, report: vi.fn(), name: 'test round' });
    await vi.advanceTimersByTimeAsync(5_000);
    expect(tick).not.toHaveBeenCalled();
    poller.start();
    poller.start();
    await vi.advanceTimersByTimeAsync(999);
    expect(tick).toHaveBeenCalledTimes(0);
    await vi.advanceTimersByTimeAsync(1);
    expect(tick).toHaveBeenCalledTimes(1);
    await vi.advanceTimersByTimeAsync(2_000);
    expect(tick).toHaveBeenCalledTimes(3);
    await poller.close();
  });

  it('rearm sets the timer again from now with the interval asked anew: work due sooner gets its tick then', async () => {
    let interval = 60_000;
    const tick = vi.fn(() => Promise.resolve('done'));
    const poller = createPoller({ intervalMs: () => interval, tick, report: vi.fn(), name: 'wake round' });
    poller.rearm();
    poller.start();
    await vi.advanceTimersByTimeAsync(10_000);
    interval = 5_000;
    poller.rearm();
    await vi.advanceTimersByTimeAsync(4_999);
    expect(tick).toHaveBeenCalledTimes(0);
    await vi.advanceTimersByTimeAsync(1);
    expect(tick).toHaveBeenCalledTimes(1);
    await poller.close();
    poller.rearm();
    await vi.advanceTimersByTimeAsync(60_000);
    expect(tick).toHaveBeenCalledTimes(1);
  });

  it('never runs two ticks at once: the next timer is set once a slow tick ended, and tickNow shares it', async () => {
    let running = 0;
    let most = 0;
    const gate = deferred();
    const tick = vi.fn(async () => {
      running += 1;
      most = Math.max(most, running);
      await gate.promise;
      running -= 1;
      return tick.mock.calls.length;
    });
    const poller = createPoller({ intervalMs: 100, tick, report: vi.fn(), name: 'slow round' });
    poller.start();
    await vi.advanceTimersByTimeAsync(100);
    expect(tick).toHaveBeenCalledTimes(1);
    const shared = poller.tickNow();
    await vi.advanceTimersByTimeAsync(1_000);
    expect(tick).toHaveBeenCalledTimes(1);
    gate.resolve();
    await expect(shared).resolves.toBe(1);
    await vi.advanceTimersByTimeAsync(100);
    expect(tick).toHaveBeenCalledTimes(2);
    expect(most).toBe(1);
    await poller.close();
  });

  it('reports a tick that throws, resolves tickNow with undefined, and keeps polling', async () => {
    const report = vi.fn();
    const failure = new Error('database down');
    const tick = vi.fn(() =>
      tick.mock.calls.length === 1 ? Promise.reject(failure) : Promise.resolve('ok'),
    );
    const poller = createPoller({ intervalMs: 50, tick, report, name: 'flaky round' });
    await expect(poller.tickNow()).resolves.toBeUndefined();
    expect(report).toHaveBeenCalledWith(failure, 'flaky round');
    poller.start();
    await vi.advanceTimersByTimeAsync(50);
    expect(tick).toHaveBeenCalledTimes(2);
    await expect(poller.tickNow()).resolves.toBe('ok');
    await poller.close();
  });

  it('close aborts the tick’s signal, waits for it, sets no more timers and is idempotent', async () => {
    const gate = deferred();
    const seen: AbortSignal[] = [];
    const order: string[] = [];
    const tick = vi.fn(async (signal: AbortSignal) => {
      seen.push(signal);
      await gate.promise;
      order.push('tick ended');
    });
    const poller = createPoller({ intervalMs: 10, tick, report: vi.fn(), name: 'round' });
    poller.start();
    await vi.advanceTimersByTimeAsync(10);
    const closed = poller.close();
    expect(poller.close()).toBe(closed);
    expect(seen[0]?.aborted).toBe(true);
    void closed.then(() => order.push('closed'));
    await vi.advanceTimersByTimeAsync(0);
    expect(order).toEqual([]);
    gate.resolve();
    await closed;
    expect(order).toEqual(['tick ended', 'closed']);
    await vi.advanceTimersByTimeAsync(1_000);
    expect(tick).toHaveBeenCalledTimes(1);
    expect(vi.getTimerCount()).toBe(0);
    await expect(poller.tickNow()).resolves.toBeUndefined();
    poller.start();
    expect(vi.getTimerCount()).toBe(0);
  });

  it('sets no timer while it is not active, and asks the interval each time', async () => {
    let active = false;
    const intervals = [300, 100];
    const tick = vi.fn(() => Promise.resolve());
    const idle = createPoller({
      intervalMs: 10,
      tick,
      report: vi.fn(),
      name: 'idle',
      active: () => active,
    });
    idle.start();
    expect(vi.getTimerCount()).toBe(0);
    active = true;
    const poller = createPoller({
      intervalMs: () => intervals.shift() ?? 1_000,
      tick,
      report: vi.fn(),
      name: 'paced',
      active: () => active,
    });
    poller.start();
    await vi.advanceTimersByTimeAsync(300);
    expect(tick).toHaveBeenCalledTimes(1);
    await vi.advanceTimersByTimeAsync(100);
    expect(tick).toHaveBeenCalledTimes(2);
    active = false;
    await vi.advanceTimersByTimeAsync(1_000);
    expect(tick).toHaveBeenCalledTimes(3);
    expect(vi.getTimerCount()).toBe(0);
    await Promise.all([idle.close(), poller.close()]);
  });

  it('does not keep the process alive: its timer is unref’d', async () => {
    vi.useRealTimers();
    const poller = createPoller({
      intervalMs: 60_000,
      tick: () => Promise.resolve(),
      report: vi.fn(),
      name: 'r',
    });
    const setTimer = vi.spyOn(globalThis, 'setTimeout');
    poller.start();
    const timer = setTimer.mock.results[0]?.value as NodeJS.Timeout | undefined;
    setTimer.mockRestore();
    expect(timer?.hasRef()).toBe(false);
    await poller.close();
  });
});
