import { describe, expect, it } from 'vitest';
import { ChurnMap } from './churn-map.js';
import { entriesKeptAfterEviction, evictOldest } from './evict-oldest.js';

/** An insert as the bounded sites make it: set, then evict beyond the bound. */
const insert = (map: Map<number, string> | ChurnMap<number, string>, key: number, bound: number): number => {
  map.set(key, `value ${key}`);
  return evictOldest(map, bound);
};

describe.each([
  ['Map', (): Map<number, string> => new Map<number, string>()],
  ['ChurnMap', (): ChurnMap<number, string> => new ChurnMap<number, string>()],
])('evictOldest on a %s', (_name, create) => {
  it('evicts nothing while the collection is within its bound', () => {
    const map = create();
    for (let key = 0; key < 16; key += 1) expect(insert(map, key, 16)).toBe(0);
    expect([...map.keys()]).toEqual(Array.from({ length: 16 }, (_, key) => key));
  });

  it('evicts the oldest entries first, an eighth of the bound and the one over it in one batch', () => {
    const map = create();
    for (let key = 0; key < 16; key += 1) insert(map, key, 16);
    expect(insert(map, 16, 16)).toBe(3);
    expect([...map.keys()]).toEqual(Array.from({ length: 14 }, (_, index) => index + 3));
    expect(map.get(16)).toBe('value 16');
  });

  it('never holds more than its bound after an insert, and at least seven eighths once full', () => {
    const map = create();
    const bound = 100;
    const sizes: number[] = [];
    for (let key = 0; key < 10_000; key += 1) {
      insert(map, key, bound);
      if (key >= bound) sizes.push(map.size);
    }
    expect(Math.max(...sizes)).toBe(bound);
    expect(Math.min(...sizes)).toBe(entriesKeptAfterEviction(bound));
    expect(entriesKeptAfterEviction(bound)).toBeGreaterThanOrEqual((bound * 7) / 8);
    expect(map.has(9_999)).toBe(true);
  });

  it('keeps an entry refreshed as an LRU refreshes it (deleted and set again) through a batch', () => {
    const map = create();
    for (let key = 0; key < 16; key += 1) insert(map, key, 16);
    map.delete(0);
    map.set(0, 'value 0');
    expect(insert(map, 16, 16)).toBe(3);
    expect(map.has(0)).toBe(true);
    expect([1, 2, 3].map((key) => map.has(key))).toEqual([false, false, false]);
    expect(map.has(4)).toBe(true);
  });

  it('brings a collection far over its bound (a bound lowered) down to seven eighths of it', () => {
    const map = create();
    for (let key = 0; key < 1_000; key += 1) map.set(key, `value ${key}`);
    expect(evictOldest(map, 80)).toBe(1_000 - 70);
    expect(map.size).toBe(70);
    expect(map.has(929)).toBe(false);
    expect(map.has(930)).toBe(true);
  });
});

describe('evictOldest', () => {
  it('evicts one entry at a time under a bound of 8, and keeps the entry just added at a bound of 1', () => {
    const small = new Map<number, string>();
    for (let key = 0; key < 20; key += 1) {
      small.set(key, 'v');
      evictOldest(small, 7);
      expect(small.size).toBe(Math.min(key + 1, 7));
    }
    const single = new Map<number, string>();
    for (let key = 0; key < 5; key += 1) {
      single.set(key, 'v');
      evictOldest(single, 1);
      expect([...single.keys()]).toEqual([key]);
    }
  });

  it('empties a collection bounded to 0', () => {
    const map = new Map([[1, 'one']]);
    expect(evictOldest(map, 0)).toBe(1);
    expect(map.size).toBe(0);
  });

  it('removes each evicted entry through `remove` when one is given, oldest first', () => {
    const map = new Map<string, { closed: boolean }>();
    const closed: string[] = [];
    for (const key of ['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h', 'i']) map.set(key, { closed: false });
    const evicted = evictOldest(map, 8, (key) => {
      closed.push(key);
      map.delete(key);
    });
    expect(evicted).toBe(2);
    expect(closed).toEqual(['a', 'b']);
    expect(map.size).toBe(7);
  });

  it('refuses a bound that is negative, fractional or not a number', () => {
    const map = new Map([[1, 'one']]);
    for (const bound of [-1, 1.5, Number.NaN, Number.POSITIVE_INFINITY]) {
      expect(() => evictOldest(map, bound)).toThrow(RangeError);
    }
    expect(map.size).toBe(1);
  });
});
