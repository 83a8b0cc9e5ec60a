import { describe, expect, it } from 'vitest';
import { createMemoryRateLimiter, decidesAtOnce } from './memory-rate-limiter.js';

describe('createMemoryRateLimiter', () => {
  it('allows the limit per key and window, then refuses with the time left in the window', async () => {
    let now = 60_000 * 10 + 15_000;
    const limiter = createMemoryRateLimiter({ limit: 2, windowMs: 60_000, now: () => now });
    expect((await limiter.consume('key_a')).allowed).toBe(true);
    expect((await limiter.consume('key_a')).allowed).toBe(true);
    expect(await limiter.consume('key_a')).toEqual({ allowed: false, remaining: 0, retryAfterMs: 45_000 });
    expect((await limiter.consume('key_b')).allowed).toBe(true);
    now += 45_000;
    expect((await limiter.consume('key_a')).allowed).toBe(true);
  });

  it('answers whether budget is left without spending any when asked for 0', async () => {
    const limiter = createMemoryRateLimiter({ limit: 100, windowMs: 60_000, now: () => 0 });
    expect((await limiter.consume('key_a', 0)).allowed).toBe(true);
    expect((await limiter.consume('key_a', 150)).allowed).toBe(false);
    expect(await limiter.consume('key_a', 0)).toMatchObject({ allowed: false, remaining: 0 });
  });

  it('decides at once what its promise decides, over the same counters', async () => {
    const limiter = createMemoryRateLimiter({ limit: 2, windowMs: 60_000, now: () => 0 });
    expect(decidesAtOnce(limiter)).toBe(true);
    expect(limiter.consumeNow('key_a').allowed).toBe(true);
    expect((await limiter.consume('key_a')).allowed).toBe(true);
    expect(limiter.consumeNow('key_a')).toEqual({ allowed: false, remaining: 0, retryAfterMs: 60_000 });
  });
});
