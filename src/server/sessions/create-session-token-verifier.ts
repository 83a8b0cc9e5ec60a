import { decodeJwt } from 'jose';
import { z } from 'zod';
import { callable, nonNegativeInteger, parseOptions } from '../../core/parse-options.js';
import {
  verifySessionToken,
  type VerifiedSessionToken,
  type VerifySessionTokenOptions,
} from './session-token.js';

const sessionTokenVerifierOptionsSchema = z.strictObject({
  /** HMAC secret of the session tokens. */
  secret: z.string(),
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
  /** Tokens currently remembered. */
  readonly size: number;
}

interface RememberedToken {
  /** What the full verification returned (unexpired), answered again as it is. */
  verified: Readonly<VerifiedSessionToken>;
  expiresAt: number;
  /** The standard `exp` claim (unix seconds), when the token has one. */
  exp: number | undefined;
}

/** The `exp` claim of a token whose signature was just verified (so its payload is authentic). */
const expOf = (token: string): number | undefined => {
  const { exp } = decodeJwt(token);
  return typeof exp === 'number' && Number.isFinite(exp) ? exp : undefined;
};

/**
 * Creates a verifier that runs the full HS256 verification (jose, WebCrypto) only the first
 * time it sees a token and answers later requests with the same token from memory.
 *
 * Why: a client sends the same token with every request of its session, and the WebCrypto
 * verification was the largest cost of the gateway's own code per chat (about a quarter of it
 * in the profile, see docs/PERFORMANCE.md) and a round trip through the thread pool before
 * every stream. Remembering is sound because the key is the whole token: the same bytes under
 * the same secret always verify the same way. The only time-dependent check, the expiry, is
 * re-evaluated on every call (`exp` as jose reads it, and `expires_at`), and expired or
 * rejected tokens are never remembered. The cache is bounded and least-recently-used.
 */
export function createSessionTokenVerifier(options: SessionTokenVerifierOptions): SessionTokenVerifier {
  const { secret, maxEntries, verifyToken } = parseOptions(
    sessionTokenVerifierOptionsSchema,
    options,
    'createSessionTokenVerifier',
  );
  // Map iteration order is insertion order: the first key is the least recently used.
  const remembered = new Map<string, RememberedToken>();

  return {
    async verify(token, nowMs) {
      const known = remembered.get(token);
      if (known !== undefined) {
        // The same two checks as a full verification: jose's `exp <= now` (whole seconds), then
        // the payload's own `expires_at`.
        const nowSeconds = nowMs / 1000;
        const expired =
          (known.exp !== undefined && known.exp <= Math.floor(nowSeconds)) || nowSeconds >= known.expiresAt;
        if (!expired) {
          remembered.delete(token);
          remembered.set(token, known);
          return known.verified;
        }
        remembered.delete(token);
      }
      const verified = await verifyToken({ token, secret, nowMs });
      if (!verified.expired && maxEntries > 0) {
        remembered.set(token, {
          verified: Object.freeze({ ...verified }),
          expiresAt: verified.expiresAt,
          exp: expOf(token),
        });
        if (remembered.size > maxEntries) {
          const oldest = remembered.keys().next();
          if (oldest.done !== true) remembered.delete(oldest.value);
        }
      }
      return verified;
    },
    get size() {
      return remembered.size;
    },
  };
}
