import { describe, expect, it } from 'vitest';
import { createSteeringQueue } from './steering-queue.js';

describe('createSteeringQueue', () => {
  it('hands back nothing while no message waits, and the messages in order once pushed', () => {
    const queue = createSteeringQueue();
    expect(queue.take()).toEqual([]);
    expect(queue.push('first')).toBe(true);
    expect(queue.push('second')).toBe(true);
    expect(queue.take()).toEqual(['first', 'second']);
    expect(queue.take()).toEqual([]);
    expect(queue.push('third')).toBe(true);
    expect(queue.take()).toEqual(['third']);
  });

  it('drops a repeat of an id it already took, even after the first was taken', () => {
    const queue = createSteeringQueue();
    expect(queue.push('hello', 'm1')).toBe(true);
    expect(queue.take()).toEqual(['hello']);
    expect(queue.push('hello', 'm1')).toBe(true);
    expect(queue.push('other', 'm2')).toBe(true);
    expect(queue.take()).toEqual(['other']);
  });

  it('refuses messages once closed, and says it is closed', () => {
    const queue = createSteeringQueue();
    expect(queue.open).toBe(true);
    queue.close();
    queue.close();
    expect(queue.open).toBe(false);
    expect(queue.push('late')).toBe(false);
    expect(queue.take()).toEqual([]);
  });

  it('never hands the same list twice: what a caller took stays its own', () => {
    const queue = createSteeringQueue();
    queue.push('a');
    const taken = queue.take();
    queue.push('b');
    expect(taken).toEqual(['a']);
    expect(queue.take()).toEqual(['b']);
  });
});
