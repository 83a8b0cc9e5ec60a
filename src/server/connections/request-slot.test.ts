import { describe, expect, it } from 'vitest';
import { createRequestSlot } from './request-slot.js';

describe('createRequestSlot', () => {
  it('holds a value per request, separately per slot, and nothing for a request never set', () => {
    const first = createRequestSlot<string>('first');
    const second = createRequestSlot<string>('first');
    const [a, b] = [new Request('http://127.0.0.1/a'), new Request('http://127.0.0.1/b')];
    first.set(a, 'a1');
    second.set(a, 'a2');
    expect([first.get(a), second.get(a), first.get(b)]).toEqual(['a1', 'a2', undefined]);
    expect(Object.keys(a)).toEqual(Object.keys(b));
  });
});
