import { describe, expect, it } from 'vitest';
import { findTooDeepField } from './find-too-deep-field.js';

/** `[[[…]]]` nested `depth` levels (the outer array is level 1). */
const nestedArrays = (depth: number): unknown => {
  let value: unknown = [];
  for (let level = 1; level < depth; level += 1) value = [value];
  return value;
};

describe('findTooDeepField', () => {
  it('accepts a chat body and values exactly at the limit', () => {
    const body = { messages: [{ role: 'user', content: 'hi' }], context: { a: { b: 1 } } };
    expect(findTooDeepField(body, 3)).toBeUndefined();
    expect(findTooDeepField(nestedArrays(64), 64)).toBeUndefined();
    expect(findTooDeepField('text', 1)).toBeUndefined();
  });

  it('names the top-level field that nests too deep, in arrays and objects alike', () => {
    expect(findTooDeepField({ ok: 1, messages: [{ content: { a: {} } }] }, 3)).toEqual(['messages']);
    expect(findTooDeepField({ a: [1, [2]] }, 2)).toEqual(['a']);
    expect(findTooDeepField([[1], 2], 1)).toEqual([0]);
    expect(findTooDeepField(nestedArrays(65), 64)).toEqual([0]);
  });

  it('does not count an inherited enumerable key as a field of the body', () => {
    const inherited = Object.create({ deep: { a: { b: {} } } }) as Record<string, unknown>;
    inherited['flat'] = 1;
    expect(findTooDeepField(inherited, 2)).toBeUndefined();
  });

  it('walks a limit far above the recursion bound without overflowing the stack', () => {
    expect(findTooDeepField(nestedArrays(20_000), 100_000)).toBeUndefined();
    expect(findTooDeepField(nestedArrays(20_000), 10_000)).toEqual([0]);
  });
});
