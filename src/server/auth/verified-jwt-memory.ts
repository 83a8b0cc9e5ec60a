import { createHash } from 'node:crypto';
import type { SessionPrincipal } from '../../core/principal.js';
import { ChurnMap } from '../../core/churn-map.js';
import { evictOldest } from '../../core/evict-oldest.js';

/** Options of `createVerifiedJwtMemory`. */
export interface VerifiedJwtMemoryOptions {
  /**
   * Most tokens remembered; 0 remembers none. Beyond it the least recently used go first, an
   * eighth of the bound at a time (see `evictOldest`).
   */
  maxEntries: number;
  /**
   * Longest a token is answered from memory, in ms, whatever its `exp`: a key the provider
   * withdrew from its key set stops vouching for remembered tokens within this time.
   */
  maxAgeMs: number;
  /** Clock tolerance on `exp`, in seconds (the verifier's). */
  clockToleranceSeconds: number;
}

/** A verified token as remembered. */
interface Remembered {
  principal: SessionPrincipal;
  /** `exp` (unix seconds), required by the verifier. */
  exp: number;
  rememberedAt: number;
}

/** Provider JWTs whose signature and claims checked out, answered again without WebCrypto. */
export interface VerifiedJwtMemory {
  /** The principal of a token verified before for this audience, if it is still valid at `nowMs`. */
  recall(token: string, audience: string | undefined, nowMs: number): SessionPrincipal | undefined;
  /** Remembers a token just verified for `audience`, with its `exp` (unix seconds). */
  remember(
    token: string,
    audience: string | undefined,
    verified: { principal: SessionPrincipal; exp: unknown },
    nowMs: number,
  ): void;
  /** Tokens currently remembered. */
  readonly size: number;
}

/**
 * Creates the memory of verified provider JWTs. Why: a browser sends the same token with every
 * request until it expires, and the RS256 check is a trip through the WebCrypto thread pool each
 * time (its p99 under load was milliseconds, see docs/PERFORMANCE.md). It is sound because the
 * key is the whole token (its SHA-256) together with the audience asked for: the same bytes
 * verify the same way under the same keys. The only time-dependent check, `exp`, is made again
 * on every recall with the verifier's tolerance; `maxAgeMs` bounds how long a withdrawn key
 * keeps vouching; refused tokens are never remembered. Bounded, least recently used first, in
 * batches (`evictOldest`): a hit deletes its entry and sets it again, so the map churns on every
 * request and a one-by-one eviction would walk past all those deleted slots each time.
 */
export function createVerifiedJwtMemory(options: VerifiedJwtMemoryOptions): VerifiedJwtMemory {
  const { maxEntries, maxAgeMs, clockToleranceSeconds } = options;
  // Map iteration order is insertion order: the first key is the least recently used.
  const remembered = new ChurnMap<string, Remembered>();
  const keyOf = (token: string, audience: string | undefined): string =>
    createHash('sha256')
      .update(audience ?? '')
      .update('\u0000')
      .update(token)
      .digest('base64url');

  return {
    recall(token, audience, nowMs) {
      if (maxEntries === 0) return undefined;
      const key = keyOf(token, audience);
      const known = remembered.get(key);
      if (known === undefined) return undefined;
      remembered.delete(key);
      // jose's rule: expired when `exp <= now - tolerance` (whole seconds).
      const expired = known.exp <= Math.floor(nowMs / 1000) - clockToleranceSeconds;
      if (expired || nowMs - known.rememberedAt >= maxAgeMs || nowMs < known.rememberedAt) return undefined;
      remembered.set(key, known);
      return known.principal;
    },
    remember(token, audience, { principal, exp }, nowMs) {
      if (maxEntries === 0 || typeof exp !== 'number' || !Number.isFinite(exp)) return;
      remembered.set(keyOf(token, audience), { principal, exp, rememberedAt: nowMs });
      evictOldest(remembered, maxEntries);
    },
    get size() {
      return remembered.size;
    },
  };
}
