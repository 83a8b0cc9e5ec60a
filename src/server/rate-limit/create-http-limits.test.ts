import { describe, expect, it } from 'vitest';
import { RateLimitedError } from '../../core/rate-limited-error.js';
import type { RateLimiterFactory } from '../../core/stores.js';
import { createMemoryRateLimiter } from '../../stores/memory/memory-rate-limiter.js';
import { createHttpLimits } from './create-http-limits.js';

/** Limiters that answer only through their promise, as shared (Redis) ones do. */
const answeringLater: RateLimiterFactory = (spec) => {
  const limiter = createMemoryRateLimiter({ limit: spec.limit, windowMs: spec.windowMs });
  return { consume: (key, amount) => limiter.consume(key, amount) };
};

describe.each([
  { counters: 'in-process counters', createRateLimiter: undefined },
  { counters: 'counters that answer later', createRateLimiter: answeringLater },
])('createHttpLimits over $counters', ({ createRateLimiter }) => {
  it('counts requests per key up to rateLimit, then refuses with a 429 RateLimitedError', async () => {
    const limits = createHttpLimits({
      rateLimit: { requests: 2, windowMs: 60_000 },
      sessionRateLimit: { sessions: 10, windowMs: 60_000 },
      ...(createRateLimiter === undefined ? {} : { createRateLimiter }),
    });
    await expect(limits.countRequest('key-a')).resolves.toBeUndefined();
    await expect(limits.countRequest('key-a')).resolves.toBeUndefined();
    const refused = limits.countRequest('key-a');
    await expect(refused).rejects.toBeInstanceOf(RateLimitedError);
    await expect(refused).rejects.toMatchObject({ status: 429 });
    await expect(limits.countRequest('key-b')).resolves.toBeUndefined();
  });

  it('counts nothing without rateLimit, and says whether a token budget is set', async () => {
    const limits = createHttpLimits({
      sessionRateLimit: { sessions: 10, windowMs: 60_000 },
      ...(createRateLimiter === undefined ? {} : { createRateLimiter }),
    });
    for (let request = 0; request < 5; request += 1) await limits.countRequest('key-a');
    expect(limits.tokenBudget).toBe(false);
    const budgeted = createHttpLimits({
      tokenBudget: { tokens: 10, windowMs: 60_000 },
      sessionRateLimit: { sessions: 10, windowMs: 60_000 },
    });
    expect(budgeted.tokenBudget).toBe(true);
  });
});
