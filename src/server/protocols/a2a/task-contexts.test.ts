import { describe, expect, it } from 'vitest';
import { createTaskContexts } from './task-contexts.js';

describe('createTaskContexts', () => {
  it('names the context of each task it remembers, the latest one for a task remembered again', () => {
    const contexts = createTaskContexts(4);
    contexts.remember('task-a', 'context-1');
    contexts.remember('task-b', 'context-2');
    contexts.remember('task-a', 'context-3');
    expect([contexts.get('task-a'), contexts.get('task-b'), contexts.get('task-c')]).toEqual([
      'context-3',
      'context-2',
      undefined,
    ]);
  });

  it('holds at most its capacity, forgetting the oldest pairs first, an eighth of it at a time', () => {
    const contexts = createTaskContexts(16);
    for (let task = 0; task < 16; task += 1) contexts.remember(`task-${task}`, `context-${task}`);
    expect(contexts.get('task-0')).toBe('context-0');
    contexts.remember('task-16', 'context-16');
    const kept = Array.from({ length: 17 }, (_, task) => contexts.get(`task-${task}`) !== undefined);
    expect(kept).toEqual([false, false, false, ...Array<boolean>(14).fill(true)]);
  });

  it('counts a task remembered again as new, so the pairs it outlived go before it', () => {
    const contexts = createTaskContexts(8);
    for (let task = 0; task < 8; task += 1) contexts.remember(`task-${task}`, `context-${task}`);
    contexts.remember('task-0', 'context-again');
    contexts.remember('task-8', 'context-8');
    expect([contexts.get('task-0'), contexts.get('task-1'), contexts.get('task-2')]).toEqual([
      'context-again',
      undefined,
      undefined,
    ]);
    expect(contexts.get('task-3')).toBe('context-3');
  });
});
