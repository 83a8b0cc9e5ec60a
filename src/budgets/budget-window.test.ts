import { describe, expect, it } from 'vitest';
import { isKnownTimeZone, windowAt } from './budget-window.js';

const iso = (ms: number | undefined) => (ms === undefined ? undefined : new Date(ms).toISOString());

describe('windowAt', () => {
  it('starts a Berlin month at local midnight of the 1st, in winter and summer time', () => {
    const october = windowAt('month', 'Europe/Berlin', Date.parse('2026-10-31T22:59:59Z'));
    expect([iso(october.start), iso(october.end)]).toEqual([
      '2026-09-30T22:00:00.000Z',
      '2026-10-31T23:00:00.000Z',
    ]);
    const november = windowAt('month', 'Europe/Berlin', Date.parse('2026-10-31T23:00:00Z'));
    expect(iso(november.start)).toBe('2026-10-31T23:00:00.000Z');
    expect(november.key).not.toBe(october.key);
  });

  it('makes the day a clock change happens 23 or 25 hours long', () => {
    const day = windowAt('day', 'Europe/Berlin', Date.parse('2026-10-25T12:00:00Z'));
    expect(((day.end ?? 0) - (day.start ?? 0)) / 3_600_000).toBe(25);
  });

  it('starts weeks on Monday', () => {
    const week = windowAt('week', 'UTC', Date.parse('2026-11-28T12:00:00Z'));
    expect([iso(week.start), iso(week.end)]).toEqual([
      '2026-11-23T00:00:00.000Z',
      '2026-11-30T00:00:00.000Z',
    ]);
  });

  it('gives a total budget one window with no end', () => {
    expect(windowAt('total', 'UTC', 0)).toEqual({ key: 'total', start: undefined, end: undefined });
  });

  it('tells known IANA zones from unknown names', () => {
    expect([isKnownTimeZone('Europe/Berlin'), isKnownTimeZone('Mars/Olympus')]).toEqual([true, false]);
  });
});
