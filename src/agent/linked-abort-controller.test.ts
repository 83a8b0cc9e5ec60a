import { describe, expect, it } from 'vitest';
import { createLinkedAbortController } from './linked-abort-controller.js';

describe('createLinkedAbortController', () => {
  it("tells its owner after the parent's abort reached the child", () => {
    const parent = new AbortController();
    const seen: unknown[] = [];
    const child = createLinkedAbortController(parent.signal, () => seen.push(child.signal.reason));
    expect(seen).toEqual([]);
    parent.abort('stop');
    expect(seen).toEqual(['stop']);
    expect(child.signal.aborted).toBe(true);
  });

  it('tells its owner at once when the parent was aborted already', () => {
    const parent = new AbortController();
    parent.abort('early');
    let told = 0;
    const child = createLinkedAbortController(parent.signal, () => (told += 1));
    expect(told).toBe(1);
    expect(child.signal.reason).toBe('early');
  });

  it('says nothing of its own abort, nor of a parent it was detached from', () => {
    const parent = new AbortController();
    let told = 0;
    const child = createLinkedAbortController(parent.signal, () => (told += 1));
    child.abort('own');
    child.dispose();
    parent.abort('later');
    expect(told).toBe(0);
    expect(child.signal.reason).toBe('own');
  });
});
