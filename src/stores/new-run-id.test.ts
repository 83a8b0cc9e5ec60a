import { describe, expect, it } from 'vitest';
import { drawTimeOfRunId } from '../core/run-ids.js';
import { newRunId } from './new-run-id.js';

describe('newRunId', () => {
  it('is 36 lowercase hex digits (the draw time, then 96 random bits), different each time, across refills of its random pool', () => {
    const ids = new Set(Array.from({ length: 1_200 }, () => newRunId(1_767_225_600_000)));
    expect(ids.size).toBe(1_200);
    for (const id of ids) {
      expect(id).toMatch(/^[0-9a-f]{36}$/);
      expect(id.slice(0, 12)).toBe((1_767_225_600_000).toString(16).padStart(12, '0'));
    }
  });

  it('carries its draw time: ids of different milliseconds differ whatever their random bits', () => {
    const earlier = newRunId(1_767_225_600_000);
    const later = newRunId(1_767_225_600_001);
    expect(drawTimeOfRunId(earlier)).toBe(1_767_225_600_000);
    expect(drawTimeOfRunId(later)).toBe(1_767_225_600_001);
    expect(earlier.slice(0, 12)).not.toBe(later.slice(0, 12));
  });

  it('sorts by its draw time', () => {
    const ids = [3, 1, 2].map((offset) => newRunId(1_767_225_600_000 + offset * 1_000));
    expect([...ids].sort()).toEqual([ids[1], ids[2], ids[0]]);
  });
});
