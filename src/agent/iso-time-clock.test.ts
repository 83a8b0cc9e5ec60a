import { describe, expect, it } from 'vitest';
import { createIsoTimeClock } from './iso-time-clock.js';

describe('createIsoTimeClock', () => {
  it('writes exactly what Date#toISOString writes, across seconds, minutes, days and eras', () => {
    const times = [
      Date.UTC(2026, 10, 23, 8, 30, 5, 1),
      Date.UTC(2026, 10, 23, 8, 30, 5, 1),
      Date.UTC(2026, 10, 23, 8, 30, 5, 999),
      Date.UTC(2026, 10, 23, 8, 30, 9, 10),
      Date.UTC(2026, 10, 23, 8, 30, 59, 999),
      Date.UTC(2026, 10, 23, 8, 31, 0, 0),
      Date.UTC(2026, 11, 31, 23, 59, 59, 999),
      Date.UTC(2027, 0, 1, 0, 0, 0, 0),
      Date.UTC(2026, 10, 23, 8, 30, 5, 1) + 0.7,
      0,
      -0,
      -1,
      -1.5,
      -61_001,
      Date.UTC(-50, 0, 1, 0, 0, 30, 5),
      Date.UTC(12_000, 5, 1, 12, 0, 1, 2),
      8.64e15,
      -8.64e15,
    ];
    let index = 0;
    const clock = createIsoTimeClock(() => times[index] ?? 0);
    for (index = 0; index < times.length; index += 1)
      expect(clock()).toBe(new Date(times[index] ?? 0).toISOString());
  });

  it('throws as Date#toISOString does for a time no Date holds', () => {
    let time = 8.64e15;
    const clock = createIsoTimeClock(() => time);
    expect(clock()).toBe('+275760-09-13T00:00:00.000Z');
    for (time of [8.64e15 + 1, Number.NaN, Number.POSITIVE_INFINITY])
      expect(() => clock()).toThrow(RangeError);
  });
});
