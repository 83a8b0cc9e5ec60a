import { getEventListeners } from 'node:events';
import { describe, expect, it } from 'vitest';
import { raceWithAbort } from './race-with-abort.js';

describe('raceWithAbort', () => {
  it('settles with the work and removes its abort listener', async () => {
    const controller = new AbortController();
    expect(await raceWithAbort(Promise.resolve('done'), controller.signal, () => 'aborted')).toBe('done');
    expect(getEventListeners(controller.signal, 'abort')).toHaveLength(0);
  });

  it('passes a rejection through and removes its abort listener', async () => {
    const controller = new AbortController();
    await expect(
      raceWithAbort(Promise.reject(new Error('broken')), controller.signal, () => 'aborted'),
    ).rejects.toThrow('broken');
    expect(getEventListeners(controller.signal, 'abort')).toHaveLength(0);
  });

  it('settles with the abort value when the signal aborts first', async () => {
    const controller = new AbortController();
    const raced = raceWithAbort(new Promise<string>(() => undefined), controller.signal, () => 'aborted');
    controller.abort();
    expect(await raced).toBe('aborted');
    expect(getEventListeners(controller.signal, 'abort')).toHaveLength(0);
  });

  it('answers at once for a signal that is already aborted', async () => {
    expect(await raceWithAbort(Promise.resolve('done'), AbortSignal.abort(), () => 'aborted')).toBe(
      'aborted',
    );
  });
});
