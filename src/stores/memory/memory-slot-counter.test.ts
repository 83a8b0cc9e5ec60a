import { describe, expect, it } from 'vitest';
import { createMemorySlotCounter } from './memory-slot-counter.js';

describe('createMemorySlotCounter', () => {
  it('drops a slot once its lease lapsed, and keeps the others', async () => {
    let time = 0;
    const counter = createMemorySlotCounter({ now: () => time });
    expect(await counter.acquire('key', 'a', { limit: 2, leaseMs: 100 })).toBe(true);
    expect(await counter.acquire('key', 'b', { limit: 2, leaseMs: 300 })).toBe(true);
    expect(await counter.acquire('key', 'c', { limit: 2, leaseMs: 300 })).toBe(false);
    time = 150;
    expect(await counter.holders('key')).toEqual(['b']);
    expect(await counter.acquire('key', 'c', { limit: 2, leaseMs: 300 })).toBe(true);
    time = 310;
    expect(await counter.count('key')).toBe(1);
    expect(await counter.holders('key')).toEqual(['c']);
    time = 500;
    expect(await counter.count('key')).toBe(0);
  });

  it('keeps a renewed slot past the end of its first lease', async () => {
    let time = 0;
    const counter = createMemorySlotCounter({ now: () => time });
    await counter.acquire('key', 'a', { limit: 1, leaseMs: 100 });
    time = 90;
    await counter.acquire('key', 'a', { limit: 1, leaseMs: 100 });
    time = 150;
    expect(await counter.count('key')).toBe(1);
    expect(await counter.acquire('key', 'b', { limit: 1, leaseMs: 100 })).toBe(false);
    time = 200;
    expect(await counter.acquire('key', 'b', { limit: 1, leaseMs: 100 })).toBe(true);
  });

  it('never lapses a slot leased for ever, and forgets a key once its last slot is given back', async () => {
    let time = 0;
    const counter = createMemorySlotCounter({ now: () => time });
    await counter.acquire('key', 'a', { limit: 1, leaseMs: Number.POSITIVE_INFINITY });
    time = 1e12;
    expect(await counter.acquire('key', 'b', { limit: 1, leaseMs: 10 })).toBe(false);
    await counter.release('key', 'a');
    expect(await counter.count('key')).toBe(0);
    expect(await counter.acquire('key', 'b', { limit: 1, leaseMs: 10 })).toBe(true);
  });

  it('scans again after the soonest slot was given back early', async () => {
    let time = 0;
    const counter = createMemorySlotCounter({ now: () => time });
    await counter.acquire('key', 'short', { limit: 3, leaseMs: 10 });
    await counter.acquire('key', 'long', { limit: 3, leaseMs: 1_000 });
    await counter.release('key', 'short');
    time = 20;
    expect(await counter.holders('key')).toEqual(['long']);
    time = 1_001;
    expect(await counter.holders('key')).toEqual([]);
  });

  it('answers at once what its promises answer, over the same slots', async () => {
    const counter = createMemorySlotCounter();
    const forEver = { limit: 1, leaseMs: Number.POSITIVE_INFINITY };
    expect(counter.acquireNow('key', 'a', forEver)).toBe(true);
    expect(counter.acquireNow('key', 'b', forEver)).toBe(false);
    expect(await counter.acquire('key', 'b', forEver)).toBe(false);
    expect(counter.countNow('key')).toBe(1);
    counter.releaseNow('key', 'a');
    expect(await counter.count('key')).toBe(0);
    expect(await counter.acquire('key', 'b', forEver)).toBe(true);
    expect(counter.countNow('key')).toBe(1);
  });
});
