import { describe, expect, it } from 'vitest';
import { HeldMap, HeldSet } from './held-map.js';

describe('HeldMap', () => {
  it('gets, sets and deletes like a Map', () => {
    const map = new HeldMap<string, { id: number }>();
    const one = { id: 1 };
    expect(map.set('a', one)).toBe(map);
    expect(map.get('a')).toBe(one);
    expect(map.has('a')).toBe(true);
    expect(map.size).toBe(1);
    expect(map.delete('a')).toBe(true);
    expect(map.delete('a')).toBe(false);
    expect(map.get('a')).toBeUndefined();
    expect(map.has('a')).toBe(false);
    expect(map.size).toBe(0);
  });

  it('keeps insertion order, and a key set again keeps its place', () => {
    const map = new HeldMap<string, number>();
    map.set('a', 1).set('b', 2).set('c', 3).set('a', 4);
    expect([...map.values()]).toEqual([4, 2, 3]);
    map.delete('b');
    map.set('b', 5);
    expect([...map.values()]).toEqual([4, 3, 5]);
  });

  it('lets the current value be deleted while iterating', () => {
    const map = new HeldMap<string, number>();
    map.set('a', 1).set('b', 2).set('c', 3);
    const seen: number[] = [];
    for (const value of map.values()) {
      seen.push(value);
      if (value === 1) map.delete('a');
      if (value === 2) map.delete('c');
    }
    expect(seen).toEqual([1, 2]);
    expect([...map.values()]).toEqual([2]);
  });

  it('inserts a new key at the end, like set', () => {
    const map = new HeldMap<string, number>();
    map.set('a', 1).insert('b', 2);
    expect([...map.values()]).toEqual([1, 2]);
    expect(map.get('b')).toBe(2);
  });

  it('clears every entry', () => {
    const map = new HeldMap<number, string>();
    map.set(1, 'x').set(2, 'y');
    map.clear();
    expect(map.size).toBe(0);
    expect([...map.values()]).toEqual([]);
    expect(map.get(1)).toBeUndefined();
  });
});

describe('HeldSet', () => {
  it('adds members under distinct tickets and removes them by ticket, idempotently', () => {
    const set = new HeldSet<string>();
    const first = set.add('same');
    const second = set.add('same');
    expect(first).not.toBe(second);
    expect(set.size).toBe(2);
    set.delete(first);
    set.delete(first);
    expect(set.size).toBe(1);
    expect([...set.values()]).toEqual(['same']);
    set.clear();
    expect(set.size).toBe(0);
  });
});
