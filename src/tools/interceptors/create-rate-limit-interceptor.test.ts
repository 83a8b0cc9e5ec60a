import { describe, expect, it } from 'vitest';
import { createMemoryRateLimiter } from '../../stores/memory/memory-rate-limiter.js';
import { createRateLimitInterceptor } from './create-rate-limit-interceptor.js';

const call = (toolName: string, sessionId = 'sess_a') => ({
  toolCallId: 'toolu_1',
  toolName,
  toolInput: {},
  sessionId,
});

describe('createRateLimitInterceptor', () => {
  it('denies calls over the limit with code rate_limited, per session by default', async () => {
    const interceptor = createRateLimitInterceptor({
      limiter: createMemoryRateLimiter({ limit: 1, windowMs: 60_000, now: () => 0 }),
    });
    const signal = new AbortController().signal;
    expect(await interceptor.intercept(call('search'), signal)).toEqual({ action: 'allow' });
    expect(await interceptor.intercept(call('search'), signal)).toEqual({
      action: 'deny',
      code: 'rate_limited',
      message: "Rate limit reached for 'search'; retry in 60s",
    });
    expect(await interceptor.intercept(call('search', 'sess_b'), signal)).toEqual({ action: 'allow' });
    expect(interceptor.critical).toBe(true);
  });

  it('counts only the listed tools', async () => {
    const interceptor = createRateLimitInterceptor({
      limiter: createMemoryRateLimiter({ limit: 1, windowMs: 60_000 }),
      tools: ['search'],
    });
    const signal = new AbortController().signal;
    await interceptor.intercept(call('search'), signal);
    expect(await interceptor.intercept(call('read_file'), signal)).toEqual({ action: 'allow' });
  });

  it('refuses to be built without a limiter, and names a misspelt option', () => {
    expect(() => createRateLimitInterceptor({} as never)).toThrow(
      'createRateLimitInterceptor: limiter: must be a RateLimiter (consume(key))',
    );
    const limiter = createMemoryRateLimiter({ limit: 1, windowMs: 60_000 });
    expect(() => createRateLimitInterceptor({ limiter, tool: ['search'] } as never)).toThrow(
      "createRateLimitInterceptor: unknown option 'tool' — did you mean 'tools'?",
    );
  });
});
