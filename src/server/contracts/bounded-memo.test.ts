import { describe, expect, it } from 'vitest';
import { boundedMemo } from './bounded-memo.js';

describe('boundedMemo', () => {
  it('computes a key once while it is remembered, and forgets the oldest key beyond its bound', () => {
    const computed: string[] = [];
    const upper = boundedMemo(2, (key) => {
      computed.push(key);
      return key.toUpperCase();
    });
    expect([upper('a'), upper('b'), upper('a')]).toEqual(['A', 'B', 'A']);
    expect(computed).toEqual(['a', 'b']);
    upper('c'); // forgets `a`, the oldest
    expect([upper('b'), upper('a')]).toEqual(['B', 'A']);
    expect(computed).toEqual(['a', 'b', 'c', 'a']);
  });
});
