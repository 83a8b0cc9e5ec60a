import { describe, expect, it } from 'vitest';
import { cronProblem, nextFireTime, shortestGapMs } from './next-fire-time.js';

const at = (iso: string): number => Date.parse(iso);
const iso = (ms: number | null): string | null => (ms === null ? null : new Date(ms).toISOString());

/** Every fire of `cron` from `from` on, `count` of them. */
const fires = (cron: string, timezone: string, from: string, count: number): Array<string | null> => {
  const out: Array<string | null> = [];
  let cursor = at(from);
  for (let index = 0; index < count; index += 1) {
    const next = nextFireTime(cron, timezone, cursor, null);
    out.push(iso(next));
    if (next === null) break;
    cursor = next;
  }
  return out;
};

describe('nextFireTime', () => {
  it('fires a daily 09:00 at 09:00 local time on both sides of a DST change', () => {
    // Europe/Paris leaves summer time on 2026-10-25 (UTC+2 -> UTC+1).
    expect(fires('0 9 * * *', 'Europe/Paris', '2026-10-24T00:00:00Z', 3)).toEqual([
      '2026-10-24T07:00:00.000Z',
      '2026-10-25T08:00:00.000Z',
      '2026-10-26T08:00:00.000Z',
    ]);
  });

  it('fires an hourly schedule once per real hour across the autumn change', () => {
    // 02:00-03:00 happens twice in Paris on 2026-10-25: hourly fires stay one hour apart.
    const times = fires('0 * * * *', 'Europe/Paris', '2026-10-24T23:30:00Z', 4).map((each) => at(each ?? ''));
    const gaps = times.slice(1).map((time, index) => time - (times[index] ?? 0));
    expect(times[0]).toBe(at('2026-10-25T00:00:00Z'));
    for (const gap of gaps) expect(gap % 3_600_000).toBe(0);
  });

  it('fires a 02:30 schedule on the spring-forward day, when 02:30 does not exist, as croner says', () => {
    // 2026-03-29 02:00 -> 03:00 in Paris: no 02:30 that day.
    const next = nextFireTime('30 2 * * *', 'Europe/Paris', at('2026-03-28T12:00:00Z'), null);
    const after = nextFireTime('30 2 * * *', 'Europe/Paris', next ?? 0, null);
    expect(iso(after)).toBe('2026-03-30T00:30:00.000Z');
    expect(next).not.toBeNull();
    expect((after ?? 0) - (next ?? 0)).toBeGreaterThan(0);
  });

  it('stops at end_at', () => {
    expect(
      nextFireTime('* * * * *', 'UTC', at('2026-01-01T00:00:30Z'), at('2026-01-01T00:01:00Z')),
    ).toBeNull();
    expect(nextFireTime('* * * * *', 'UTC', at('2026-01-01T00:00:30Z'), at('2026-01-01T00:01:01Z'))).toBe(
      at('2026-01-01T00:01:00Z'),
    );
  });
});

describe('cronProblem', () => {
  it('accepts a cron and an IANA zone; names what is wrong otherwise', () => {
    expect(cronProblem('*/5 * * * *', 'America/New_York')).toBeUndefined();
    expect(cronProblem('61 * * * *', 'UTC')).toContain('is not valid');
    expect(cronProblem('* * * * *', 'Mars/Olympus')).toContain('not an IANA time zone');
  });
});

describe('shortestGapMs', () => {
  it('finds the densest stretch of a cron: every second, a wrap from :59 to :00, a burst one day a year', () => {
    const from = at('2026-05-01T12:00:30Z');
    expect(shortestGapMs('* * * * * *', 'UTC', from)).toBe(1_000);
    expect(shortestGapMs('0,59 * * * * *', 'UTC', from)).toBe(1_000);
    expect(shortestGapMs('* * 9 1 1 *', 'UTC', from)).toBe(1_000);
    expect(shortestGapMs('*/30 * * * * *', 'UTC', from)).toBe(30_000);
    expect(shortestGapMs('* * * * *', 'UTC', from)).toBe(60_000);
    expect(shortestGapMs('0 9,10 * * *', 'Europe/Paris', from)).toBe(3_600_000);
  });
});
