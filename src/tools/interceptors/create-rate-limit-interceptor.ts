import { GatewayError } from '../../core/errors.js';
import type { InterceptContext, ToolInterceptor } from '../../core/interceptor.js';
import type { RateLimiter } from '../../core/stores.js';

/** Options of `createRateLimitInterceptor`. */
export interface RateLimitInterceptorOptions {
  /**
   * Counts the calls (e.g. `createMemoryRateLimiter({limit: 10, windowSeconds: 60})` or a
   * shared store's `createRateLimiter`).
   */
  limiter: RateLimiter;
  /** What is counted; default: the session (`sessionId`). Return e.g. `${sessionId}:${toolName}` per tool. */
  keyOf?: (context: InterceptContext) => string;
  /** Tools counted; default: every tool. */
  tools?: readonly string[];
}

/**
 * A built-in interceptor that refuses tool calls over a rate limit: the model reads a
 * `rate_limited` error result naming when to retry, and the run goes on. It is `critical`:
 * when the limiter's store fails, the call is refused rather than let through uncounted.
 */
export function createRateLimitInterceptor(options: RateLimitInterceptorOptions): ToolInterceptor {
  if (typeof options !== 'object' || options === null || typeof options.limiter?.consume !== 'function') {
    throw new GatewayError(
      'invalid_option',
      'createRateLimitInterceptor: `limiter` (a RateLimiter) is required',
    );
  }
  const keyOf = options.keyOf ?? ((context: InterceptContext) => context.sessionId);
  const counted = options.tools === undefined ? undefined : new Set(options.tools);
  return {
    name: 'rate-limit',
    critical: true,
    async intercept(context) {
      if (counted !== undefined && !counted.has(context.toolName)) return { action: 'allow' };
      const decision = await options.limiter.consume(keyOf(context));
      if (decision.allowed) return { action: 'allow' };
      return {
        action: 'deny',
        code: 'rate_limited',
        message: `Rate limit reached for '${context.toolName}'; retry in ${decision.retryAfterSeconds}s`,
      };
    },
  };
}
