import { describe, expect, it } from 'vitest';
import { isGatewayError } from './errors.js';
import { ChurnMap, ChurnSet } from './churn-map.js';

describe('ChurnMap', () => {
  it('gets, sets and deletes like a Map', () => {
    const map = new ChurnMap<string, { id: number }>();
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

  it('takes a value out: returns it once, and the key is gone', () => {
    const map = new ChurnMap<string, { id: number }>();
    const one = { id: 1 };
    map.set('a', one).set('b', { id: 2 });
    expect(map.take('a')).toBe(one);
    expect(map.take('a')).toBeUndefined();
    expect([map.has('a'), map.size, [...map.keys()]]).toEqual([false, 1, ['b']]);
  });

  it('keeps insertion order, and a key set again keeps its place', () => {
    const map = new ChurnMap<string, number>();
    map.set('a', 1).set('b', 2).set('c', 3).set('a', 4);
    expect([...map.values()]).toEqual([4, 2, 3]);
    map.delete('b');
    map.set('b', 5);
    expect([...map.values()]).toEqual([4, 3, 5]);
  });

  it('lets the current value be deleted while iterating', () => {
    const map = new ChurnMap<string, number>();
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
    const map = new ChurnMap<string, number>();
    map.set('a', 1).insert('b', 2);
    expect([...map.values()]).toEqual([1, 2]);
    expect(map.get('b')).toBe(2);
  });

  it('refuses to insert a key that is already there, keeping its value', () => {
    const map = new ChurnMap<string, number>();
    map.insert('a', 1);
    let thrown: unknown;
    try {
      map.insert('a', 2);
    } catch (error) {
      thrown = error;
    }
    expect(isGatewayError(thrown, 'internal_error')).toBe(true);
    expect(map.get('a')).toBe(1);
    expect(map.size).toBe(1);
  });

  it('answers every Map method as a Map given the same operations does', () => {
    const map = new ChurnMap<string, number>();
    const reference = new Map<string, number>();
    for (const target of [map, reference]) {
      target.set('a', 1).set('b', 2).set('c', 3).set('a', 4);
      target.delete('b');
      target.set('d', 5);
    }
    expect([...map]).toEqual([...reference]);
    expect([...map.entries()]).toEqual([...reference.entries()]);
    expect([...map.keys()]).toEqual([...reference.keys()]);
    expect([...map.values()]).toEqual([...reference.values()]);
    const visited: Array<[string, number]> = [];
    map.forEach((value, key, owner) => {
      expect(owner).toBe(map);
      visited.push([key, value]);
    });
    expect(visited).toEqual([...reference]);
    expect(map.size).toBe(reference.size);
    expect(Object.prototype.toString.call(map)).toBe('[object ChurnMap]');
  });

  it('takes symbol and bigint keys', () => {
    const symbol = Symbol('key');
    const map = new ChurnMap<symbol | bigint, string>();
    map.set(symbol, 'symbol').set(10n, 'bigint');
    expect(map.get(symbol)).toBe('symbol');
    expect(map.get(10n)).toBe('bigint');
  });

  it('clears every entry', () => {
    const map = new ChurnMap<number, string>();
    map.set(1, 'x').set(2, 'y');
    map.clear();
    expect(map.size).toBe(0);
    expect([...map.values()]).toEqual([]);
    expect(map.get(1)).toBeUndefined();
  });
});

describe('ChurnSet', () => {
  it('adds members under distinct tickets and removes them by ticket, idempotently', () => {
    const set = new ChurnSet<string>();
    const first = set.add('same');
    const second = set.add('same');
    expect(first).not.toBe(second);
    expect(set.size).toBe(2);
    expect(set.has(first)).toBe(true);
    expect(set.delete(first)).toBe(true);
    expect(set.delete(first)).toBe(false);
    expect(set.has(first)).toBe(false);
    expect(set.size).toBe(1);
    expect([...set]).toEqual(['same']);
    expect([...set.values()]).toEqual(['same']);
    set.clear();
    expect(set.size).toBe(0);
  });
});
