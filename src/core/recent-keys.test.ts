import { describe, expect, it } from 'vitest';
import { RecentKeys } from './recent-keys.js';

describe('RecentKeys', () => {
  it('remembers the last keys added up to its capacity and forgets the oldest first', () => {
    const recent = new RecentKeys<string>(3);
    for (const key of ['a', 'b', 'c']) recent.add(key);
    expect(['a', 'b', 'c'].map((key) => recent.has(key))).toEqual([true, true, true]);
    recent.add('d');
    expect(['a', 'b', 'c', 'd'].map((key) => recent.has(key))).toEqual([false, true, true, true]);
    expect(recent.size).toBe(3);
  });

  it('keeps a key added twice in its first place, without taking a second one', () => {
    const recent = new RecentKeys<string>(2);
    recent.add('a');
    recent.add('a');
    recent.add('b');
    expect([recent.has('a'), recent.has('b'), recent.size]).toEqual([true, true, 2]);
    recent.add('c');
    expect([recent.has('a'), recent.has('b'), recent.has('c')]).toEqual([false, true, true]);
  });

  it('holds its capacity under a long run of new keys', () => {
    const recent = new RecentKeys<number>(100);
    for (let key = 0; key < 10_000; key += 1) recent.add(key);
    expect(recent.size).toBe(100);
    expect(recent.has(9_900)).toBe(true);
    expect(recent.has(9_899)).toBe(false);
  });

  it('refuses a capacity under one', () => {
    expect(() => new RecentKeys<string>(0)).toThrow(RangeError);
  });
});
