import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { abortableSleep } from './abortable-sleep.js';

beforeEach(() => {
  vi.useFakeTimers();
});

afterEach(() => {
  vi.useRealTimers();
});

/** Whether `promise` has settled, checked without waiting for any timer. */
const hasSettled = async (promise: Promise<unknown>): Promise<boolean> => {
  let settled = false;
  void promise.then(() => (settled = true));
  await Promise.resolve();
  await Promise.resolve();
  return settled;
};

describe('abortableSleep', () => {
  it('resolves once the time has passed, and not before', async () => {
    const sleeping = abortableSleep(1000, new AbortController().signal);

    await vi.advanceTimersByTimeAsync(999);
    expect(await hasSettled(sleeping)).toBe(false);
    await vi.advanceTimersByTimeAsync(1);
    expect(await hasSettled(sleeping)).toBe(true);
  });

  it('resolves at once when the signal aborts, leaving no timer behind', async () => {
    const controller = new AbortController();
    const sleeping = abortableSleep(60_000, controller.signal);
    expect(vi.getTimerCount()).toBe(1);

    controller.abort();

    expect(await hasSettled(sleeping)).toBe(true);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('resolves without a timer when the signal has already aborted', async () => {
    const sleeping = abortableSleep(60_000, AbortSignal.abort());

    expect(vi.getTimerCount()).toBe(0);
    expect(await hasSettled(sleeping)).toBe(true);
  });

  it('removes its abort listener once the time has passed', async () => {
    const controller = new AbortController();
    const removed = vi.spyOn(controller.signal, 'removeEventListener');
    const sleeping = abortableSleep(10, controller.signal);

    await vi.advanceTimersByTimeAsync(10);

    expect(await hasSettled(sleeping)).toBe(true);
    expect(removed).toHaveBeenCalledWith('abort', expect.any(Function));
  });

  it('treats a negative wait as no wait', async () => {
    const sleeping = abortableSleep(-5, new AbortController().signal);
    await vi.advanceTimersByTimeAsync(0);
    expect(await hasSettled(sleeping)).toBe(true);
  });
});
