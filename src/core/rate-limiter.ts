/** Fixed-window rate limiters, in process or sharing a store's storage. */

/** The answer of a rate limiter for one key. */
export interface RateLimitDecision {
  /** False when the key is over its limit in the current window. */
  allowed: boolean;
  /** What is left of the limit in the current window (never negative). */
  remaining: number;
  /** Milliseconds until the current window ends, for `retry-after`. */
  retryAfterMs: number;
}

/** What a rate limiter counts: at most `limit` units per key per fixed window. */
export interface RateLimiterSpec {
  /** Names the limiter, so that several limiters keep separate counters in a shared store. */
  name: string;
  limit: number;
  /** Length of a window in ms; windows are aligned to multiples of it since the epoch. */
  windowMs: number;
}

/**
 * Fixed-window counters per key (requests, tokens, tool calls). Shared implementations count
 * across every instance, so a limit holds for the deployment, not per process.
 */
export interface RateLimiter {
  /**
   * Adds `amount` (default 1) to the key's count in the current window. With a positive amount
   * the decision allows it while the count stays within the limit (a refused unit still
   * counts); with 0 it only asks whether anything is left.
   */
  consume(key: string, amount?: number): Promise<RateLimitDecision>;
}

/** Creates rate limiters backed by the same storage as the other stores of a bundle. */
export type RateLimiterFactory = (spec: RateLimiterSpec) => RateLimiter;
