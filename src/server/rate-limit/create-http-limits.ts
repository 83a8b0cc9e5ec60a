import type { RateLimiter, RateLimiterFactory } from '../../core/stores.js';
import { createMemoryRateLimiter, decidesAtOnce } from '../../stores/memory/memory-rate-limiter.js';
import { RateLimitedError } from '../../core/rate-limited-error.js';
import type { ServerSettings } from '../contracts/gateway-config.js';

/** Options of `createHttpLimits`: the `server` group's limits, and where counters live. */
export type HttpLimitsOptions = Pick<ServerSettings, 'rateLimit' | 'tokenBudget' | 'sessionRateLimit'> & {
  /** The stores' factory (shared counters); in-process counters unless given. */
  createRateLimiter?: RateLimiterFactory;
};

/** The per-API-key limits of the HTTP routes. Keys are the API key hashes of sessions. */
export interface HttpLimits {
  /**
   * Counts one new session of a client address (see `clientAddressKey`); throws a 429
   * `RateLimitedError` naming `sessionRateLimit` when the address opened too many this window.
   */
  countSessionInit(addressKey: string): Promise<void>;
  /** Counts one request; throws a 429 `RateLimitedError` when over the limit. */
  countRequest(apiKeyHash: string): Promise<void>;
  /**
   * Whether a token budget is set (`server.tokenBudget`). Without one `checkTokenBudget` and
   * `chargeTokens` do nothing, and a run need not call them: no promise, and no callback at its
   * end, per chat.
   */
  readonly tokenBudget: boolean;
  /** Throws a 429 `RateLimitedError` when the key's token budget of this window is spent. */
  checkTokenBudget(apiKeyHash: string): Promise<void>;
  /** Charges tokens a run used (after the fact: a run is never cut short by the budget). */
  chargeTokens(apiKeyHash: string, tokens: number): Promise<void>;
}

/** What a count that passed resolves to: one settled promise for every request. */
const allowed: Promise<void> = Promise.resolve();

/**
 * Counts one request of `key` in `limiter`: a settled promise when allowed (in-process counters
 * decide at once: no promise or turn of the microtask queue of their own per request), else
 * the rejection from `refusal`.
 */
function countIn(
  limiter: RateLimiter,
  key: string,
  refusal: (retryAfterMs: number) => RateLimitedError,
): Promise<void> {
  if (decidesAtOnce(limiter)) {
    const decision = limiter.consumeNow(key);
    return decision.allowed ? allowed : Promise.reject(refusal(decision.retryAfterMs));
  }
  return limiter.consume(key).then((decision) => {
    if (!decision.allowed) throw refusal(decision.retryAfterMs);
  });
}

const requestRefusal = (retryAfterMs: number): RateLimitedError =>
  new RateLimitedError('Rate limit exceeded', retryAfterMs);

/**
 * Creates the HTTP limits from the app's options. Without `rateLimit` / `tokenBudget` their
 * checks are no-ops that touch no store; the per-address session limit is always on.
 */
export function createHttpLimits(options: HttpLimitsOptions): HttpLimits {
  const factory: RateLimiterFactory =
    options.createRateLimiter ??
    ((spec) => createMemoryRateLimiter({ limit: spec.limit, windowMs: spec.windowMs }));
  const requests: RateLimiter | undefined =
    options.rateLimit === undefined
      ? undefined
      : factory({
          name: 'requests',
          limit: options.rateLimit.requests,
          windowMs: options.rateLimit.windowMs,
        });
  const tokens: RateLimiter | undefined =
    options.tokenBudget === undefined
      ? undefined
      : factory({
          name: 'tokens',
          limit: options.tokenBudget.tokens,
          windowMs: options.tokenBudget.windowMs,
        });

  const sessionRate = options.sessionRateLimit;
  const sessionInits = factory({
    name: 'session-inits',
    limit: sessionRate.sessions,
    windowMs: sessionRate.windowMs,
  });

  return {
    tokenBudget: tokens !== undefined,
    async countSessionInit(addressKey) {
      const decision = await sessionInits.consume(addressKey);
      if (!decision.allowed) {
        throw new RateLimitedError(
          `Too many new sessions from this address (sessionRateLimit ${sessionRate.sessions} per ` +
            `${sessionRate.windowMs / 1000}s); retry later`,
          decision.retryAfterMs,
        );
      }
    },
    countRequest(apiKeyHash) {
      return requests === undefined ? allowed : countIn(requests, apiKeyHash, requestRefusal);
    },
    async checkTokenBudget(apiKeyHash) {
      if (tokens === undefined) return;
      const decision = await tokens.consume(apiKeyHash, 0);
      if (!decision.allowed) throw new RateLimitedError('Token budget exhausted', decision.retryAfterMs);
    },
    async chargeTokens(apiKeyHash, used) {
      if (tokens === undefined || !(used > 0)) return;
      await tokens.consume(apiKeyHash, Math.ceil(used));
    },
  };
}
