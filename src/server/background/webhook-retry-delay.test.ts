import { describe, expect, it } from 'vitest';
import { nextAttemptAt } from './webhook-retry-delay.js';

const DAY = 86_400_000;

describe('nextAttemptAt', () => {
  it('backs off as Standard Webhooks recommends, then every 10 h', () => {
    const delays = [1, 2, 3, 4, 5, 6, 7].map(
      (attempts) => (nextAttemptAt(attempts, 0, 0, 10 * DAY) ?? 0) - 0,
    );
    expect(delays).toEqual([5_000, 300_000, 1_800_000, 7_200_000, 18_000_000, 36_000_000, 36_000_000]);
  });

  it('gives up once the next attempt would be past the retry window', () => {
    expect(nextAttemptAt(1, DAY - 10_000, 0, DAY)).toBe(DAY - 5_000);
    expect(nextAttemptAt(1, DAY - 1_000, 0, DAY)).toBeNull();
    // A day of attempts: 5 s, 5 min, 30 min, 2 h, 5 h, 10 h, then the next would end past it.
    let now = 0;
    let attempts = 0;
    for (;;) {
      attempts += 1;
      const next = nextAttemptAt(attempts, now, 0, DAY);
      if (next === null) break;
      now = next;
    }
    expect(attempts).toBe(7);
  });
});
