import { describe, expect, it } from 'vitest';
import { watchEngineHealth } from './engine-health.js';
import type { SqlEngine } from './sql-engine.js';

const engineAnswering = (answers: () => boolean): SqlEngine => ({
  kind: 'embedded',
  location: 'test',
  query: () => (answers() ? Promise.resolve({ rows: [], rowCount: 0 }) : Promise.reject(new Error('down'))),
  transaction: (work) => work({ query: () => Promise.resolve({ rows: [], rowCount: 0 }) }),
  close: () => Promise.resolve(),
});

describe('watchEngineHealth', () => {
  it('knows the engine answers only after a recent success with no failure since', async () => {
    let clock = 1_000;
    let up = true;
    const watched = watchEngineHealth(
      engineAnswering(() => up),
      () => clock,
    );
    expect(watched.answeredRecently(2_000)).toBe(false);
    await watched.engine.query('SELECT 1');
    expect(watched.answeredRecently(2_000)).toBe(true);
    clock += 2_001;
    expect(watched.answeredRecently(2_000)).toBe(false);
    await watched.engine.query('SELECT 1');
    up = false;
    await expect(watched.engine.query('SELECT 1')).rejects.toThrow('down');
    expect(watched.answeredRecently(2_000)).toBe(false);
    up = true;
    await watched.engine.transaction((tx) => tx.query('SELECT 1'));
    expect(watched.answeredRecently(2_000)).toBe(true);
  });
});
