import { decodeJwt } from 'jose';
import { z } from 'zod';
import { callable, nonNegativeInteger, parseOptions } from '../../core/parse-options.js';
import {
  verifySessionToken,
  type VerifiedSessionToken,
  type VerifySessionTokenOptions,
} from './session-token.js';
import { ChurnMap } from '../../core/churn-map.js';

const sessionTokenVerifierOptionsSchema = z.strictObject({
  /** HMAC secret of the session tokens. */
  secret: z.string(),
  /** Earlier secrets that still verify tokens they signed (rotation); none by default. */
  previousSecrets: z.array(z.string().min(1)).default(() => []),
  /** Verified tokens remembered (about 1 KiB each), least recently used dropped first; 0 disables. */
  maxEntries: nonNegativeInteger().default(10_000),
  /** The full verification; injectable for tests. */
  verifyToken: callable<(options: VerifySessionTokenOptions) => Promise<VerifiedSessionToken>>().default(
    () => verifySessionToken,
  ),
});

/** Options of `createSessionTokenVerifier`. */
export type SessionTokenVerifierOptions = z.input<typeof sessionTokenVerifierOptionsSchema>;

/** Verifies session tokens, remembering those whose signature already checked out. */
export interface SessionTokenVerifier {
  /** Same contract as `verifySessionToken`: claims, `expired`, or a 401 `HttpError`. */
  verify(token: string, nowMs: number): Promise<VerifiedSessionToken>;
  /**
   * What `verify` would answer from memory, at once: the claims of a remembered, unexpired
   * token; undefined when `verify` has to decide (an unknown or expired token). A caller that
   * gets undefined calls `verify`.
   */
  remembered(token: string, nowMs: number): Readonly<VerifiedSessionToken> | undefined;
  /** Tokens currently remembered. */
  readonly size: number;
}

interface RememberedToken {
  /** The whole token: a token whose signature part matches is answered only if it is this one. */
  token: string;
  /** What the full verification returned (unexpired), answered again as it is. */
  verified: Readonly<VerifiedSessionToken>;
  expiresAt: number;
  /** The standard `exp` claim (unix seconds), when the token has one. */
  exp: number | undefined;
  /** Answered since the eviction last passed it: it gets a second chance there. */
  used: boolean;
}

/** The `exp` claim of a token whose signature was just verified (so its payload is authentic). */
const expOf = (token: string): number | undefined => {
  const { exp } = decodeJwt(token);
  return typeof exp === 'number' && Number.isFinite(exp) ? exp : undefined;
};

/** The part after a token's last dot (its signature, for a JWT); the whole string without one. */
const signatureOf = (token: string): string => token.slice(token.lastIndexOf('.') + 1);

/**
 * Creates a verifier that runs the full HS256 verification (jose, WebCrypto) only the first
 * time it sees a token and answers later requests with the same token from memory.
 *
 * Why: a client sends the same token with every request of its session, and the WebCrypto
 * verification was the largest cost of the gateway's own code per chat (about a quarter of it
 * in the profile, see docs/PERFORMANCE.md) and a round trip through the thread pool before
 * every stream. Remembering is sound because an entry answers only the very token it was made
 * from (looked up by its signature part, a shorter string to hash, then compared whole): the
 * same bytes under the same secret always verify the same way. The only time-dependent check,
 * the expiry, is re-evaluated on every call (`exp` as jose reads it, and `expires_at`), and expired or
 * rejected tokens are never remembered. The cache is bounded: beyond its bound it forgets the
 * oldest token not answered since the eviction last passed it (a "second chance" approximation
 * of least-recently-used), so that answering a token is a lookup and a flag, not a reordering of
 * the map on every request.
 */
export function createSessionTokenVerifier(options: SessionTokenVerifierOptions): SessionTokenVerifier {
  const { secret, previousSecrets, maxEntries, verifyToken } = parseOptions(
    sessionTokenVerifierOptionsSchema,
    options,
    'createSessionTokenVerifier',
  );
  // Keyed by the token's signature part (a short string to hash), then compared whole. Map
  // iteration order is insertion order: the first key is the oldest.
  const remembered = new ChurnMap<string, RememberedToken>();

  /** Forgets tokens beyond the bound: the oldest unused first, a used one moved to the end once. */
  const evictBeyondBound = (): void => {
    while (remembered.size > maxEntries) {
      for (const [key, entry] of remembered) {
        remembered.delete(key);
        if (!entry.used) break;
        entry.used = false;
        remembered.set(key, entry);
      }
    }
  };

  /** The remembered claims of `token` (marked used); expired ones are forgotten. */
  const rememberedClaims = (token: string, nowMs: number): Readonly<VerifiedSessionToken> | undefined => {
    const key = signatureOf(token);
    const known = remembered.get(key);
    if (known === undefined || known.token !== token) return undefined;
    // The same two checks as a full verification: jose's `exp <= now` (whole seconds), then
    // the payload's own `expires_at`.
    const nowSeconds = nowMs / 1000;
    const expired =
      (known.exp !== undefined && known.exp <= Math.floor(nowSeconds)) || nowSeconds >= known.expiresAt;
    if (expired) {
      remembered.delete(key);
      return undefined;
    }
    known.used = true;
    return known.verified;
  };

  return {
    remembered: rememberedClaims,
    async verify(token, nowMs) {
      const known = rememberedClaims(token, nowMs);
      if (known !== undefined) return known;
      const key = signatureOf(token);
      const verified = await verifyToken({ token, secret, nowMs, previousSecrets });
      if (!verified.expired && maxEntries > 0) {
        remembered.delete(key);
        remembered.set(key, {
          token,
          verified: Object.freeze({ ...verified }),
          expiresAt: verified.expiresAt,
          exp: expOf(token),
          used: false,
        });
        evictBeyondBound();
      }
      return verified;
    },
    get size() {
      return remembered.size;
    },
  };
}
