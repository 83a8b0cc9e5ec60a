import { z } from 'zod';
import type { InterceptContext, ToolInterceptor } from '../../core/interceptor.js';
import { callable, implementing, parseOptions } from '../../core/parse-options.js';
import type { RateLimiter } from '../../core/stores.js';

/** The options of `createRateLimitInterceptor`. */
export const rateLimitInterceptorOptionsSchema = z.strictObject({
  /**
   * Counts the calls (e.g. `createMemoryRateLimiter({limit: 10, windowMs: 60_000})` or a
   * shared store's `createRateLimiter`).
   */
  limiter: implementing<RateLimiter>('a RateLimiter (consume(key))', ['consume']),
  /** What is counted; default: the session (`sessionId`). Return e.g. `${sessionId}:${toolName}` per tool. */
  keyOf: callable<(context: InterceptContext) => string>().optional(),
  /** Tools counted; default: every tool. */
  tools: z.array(z.string()).readonly().optional(),
});

/** Options of `createRateLimitInterceptor`. */
export type RateLimitInterceptorOptions = z.input<typeof rateLimitInterceptorOptionsSchema>;

/**
 * A built-in interceptor that refuses tool calls over a rate limit: the model reads a
 * `rate_limited` error result naming when to retry, and the run goes on. It is `critical`:
 * when the limiter's store fails, the call is refused rather than let through uncounted.
 */
export function createRateLimitInterceptor(options: RateLimitInterceptorOptions): ToolInterceptor {
  const { limiter, tools, ...parsed } = parseOptions(
    rateLimitInterceptorOptionsSchema,
    options,
    'createRateLimitInterceptor',
  );
  const keyOf = parsed.keyOf ?? ((context: InterceptContext) => context.sessionId);
  const counted = tools === undefined ? undefined : new Set(tools);
  return {
    name: 'rate-limit',
    critical: true,
    async intercept(context) {
      if (counted !== undefined && !counted.has(context.toolName)) return { action: 'allow' };
      const decision = await limiter.consume(keyOf(context));
      if (decision.allowed) return { action: 'allow' };
      return {
        action: 'deny',
        code: 'rate_limited',
        message: `Rate limit reached for '${context.toolName}'; retry in ${Math.max(1, Math.ceil(decision.retryAfterMs / 1000))}s`,
      };
    },
  };
}
