import { afterEach, describe, expect, it, vi } from 'vitest';
import {
  createDeferredStartClock,
  DEFERRED_START_TICK_MS,
  type DueRunStart,
} from './deferred-start-clock.js';

/** A start due at `dueAt` that notes when it was written. */
function startDueAt(dueAt: number, written: number[]): DueRunStart & { dueAt: number } {
  let done = false;
  return {
    dueAt,
    writeIfDue(now) {
      if (done) return undefined;
      if (dueAt > now) return dueAt;
      done = true;
      written.push(now);
      return undefined;
    },
  };
}

afterEach(() => {
  vi.useRealTimers();
});

describe('the clock of held run starts', () => {
  it('writes each start at its due time when they are far apart, with one timer at a time', async () => {
    vi.useFakeTimers({ now: 0 });
    const written: number[] = [];
    const starts = [startDueAt(300, written), startDueAt(100, written), startDueAt(1_000, written)];
    const clock = createDeferredStartClock(() => starts);
    for (const start of starts) clock.due(start.dueAt);
    expect(vi.getTimerCount()).toBe(1);
    await vi.advanceTimersByTimeAsync(2_000);
    expect(written).toEqual([100, 300, 1_000]);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('looks no more often than its tick: starts due close together are written together, late by less than a tick', async () => {
    vi.useFakeTimers({ now: 0 });
    const written: number[] = [];
    const starts = [100, 101, 120, 149, 150, 151].map((dueAt) => startDueAt(dueAt, written));
    const clock = createDeferredStartClock(() => starts);
    for (const start of starts) clock.due(start.dueAt);
    await vi.advanceTimersByTimeAsync(1_000);
    expect(written).toEqual([100, 150, 150, 150, 150, 200]);
    for (const [index, at] of written.entries()) {
      expect(at - (starts[index]?.dueAt ?? 0)).toBeLessThan(DEFERRED_START_TICK_MS);
    }
  });

  it('looks sooner when a start is due before the time it was to look', async () => {
    vi.useFakeTimers({ now: 0 });
    const written: number[] = [];
    const late = startDueAt(1_000, written);
    const starts = [late];
    const clock = createDeferredStartClock(() => starts);
    clock.due(late.dueAt);
    const early = startDueAt(200, written);
    starts.push(early);
    clock.due(early.dueAt);
    await vi.advanceTimersByTimeAsync(1_000);
    expect(written).toEqual([200, 1_000]);
  });

  it('stops, idempotently, and writes nothing more until told a start is due', async () => {
    vi.useFakeTimers({ now: 0 });
    const written: number[] = [];
    const starts = [startDueAt(100, written)];
    const clock = createDeferredStartClock(() => starts);
    clock.due(100);
    clock.stop();
    clock.stop();
    await vi.advanceTimersByTimeAsync(500);
    expect(written).toEqual([]);
    clock.due(100);
    await vi.advanceTimersByTimeAsync(1);
    expect(written).toEqual([500]);
  });
});
