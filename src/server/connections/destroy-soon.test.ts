import { describe, expect, it } from 'vitest';
import { destroySoon } from './destroy-soon.js';

describe('destroySoon', () => {
  it('closes nothing in the calling turn, then one connection per turn of the event loop, oldest first', async () => {
    // A ticker counts the turns of the event loop (one per check phase, each after a poll for
    // I/O, where a health check that arrived meanwhile is read and answered).
    let turn = 0;
    let ticking = true;
    const tick = (): void => {
      turn += 1;
      if (ticking) setImmediate(tick);
    };
    setImmediate(tick);
    const closed: Array<{ name: string; turn: number }> = [];
    const target = (name: string) => ({ destroy: () => void closed.push({ name, turn }) });
    for (const name of ['a', 'b', 'c', 'd']) destroySoon(target(name));
    expect(closed).toEqual([]);
    while (closed.length < 4) await new Promise((resolve) => setImmediate(resolve));
    ticking = false;
    expect(closed.map((entry) => entry.name)).toEqual(['a', 'b', 'c', 'd']);
    const turns = closed.map((entry) => entry.turn);
    expect(new Set(turns).size).toBe(4);
  });
});
