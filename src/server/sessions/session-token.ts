import { SignJWT, errors as joseErrors, jwtVerify, type JWTPayload } from 'jose';
import type { SessionRecord } from '../../core/stores.js';
import { HttpError } from '../../core/http-error.js';
import type { SessionPrincipal } from '../../core/principal.js';
import { principalOfTokenClaim } from './principal-claim.js';

/** The only algorithm tokens are signed with, and the only one verification accepts. */
const algorithm = 'HS256';

/** What a verified session token says. */
export interface VerifiedSessionToken {
  sessionId: string;
  apiKeyHash: string;
  /** The end user asserted at `/chat/init`, from the `user` claim; absent for the key itself. */
  user?: string;
  /**
   * The signed-in caller of a session opened by a JWT or the `authenticate` hook, from the
   * `principal` claim: what a session restored from the token acts as (tenant, scopes, audiences).
   */
  principal?: SessionPrincipal;
  /** Unix seconds, from the `expires_at` claim. */
  expiresAt: number;
  /** True when the token's lifetime is over (`exp` or `expires_at` reached). */
  expired: boolean;
}

/** Options of `signSessionToken`. */
export interface SignSessionTokenOptions {
  record: SessionRecord;
  secret: string;
}

/** Options of `verifySessionToken`. */
export interface VerifySessionTokenOptions {
  token: string;
  /** The secret tokens are signed with now. */
  secret: string;
  /**
   * Secrets that signed earlier tokens and still verify them (`server.jwtSecret` as a list, its
   * first entry being `secret`): a secret rotates without ending the sessions it signed.
   */
  previousSecrets?: readonly string[];
  /** Current time in milliseconds since the epoch. */
  nowMs: number;
}

function encodeSecret(secret: string): Uint8Array {
  return new TextEncoder().encode(secret);
}

/**
 * Signs the session token handed out by `/chat/init`: HS256 with the protocol's claims
 * (`session_id`, `api_key_hash`, `created_at`, `expires_at`) plus the standard `iat` and `exp`,
 * so generic JWT tooling also sees the expiry.
 */
export async function signSessionToken(options: SignSessionTokenOptions): Promise<string> {
  const { record, secret } = options;
  return new SignJWT({
    session_id: record.sessionId,
    api_key_hash: record.apiKeyHash,
    created_at: record.createdAt,
    expires_at: record.expiresAt,
    ...(record.user === undefined ? {} : { user: record.user }),
    ...(record.principal === undefined ? {} : { principal: record.principal }),
  })
    .setProtectedHeader({ alg: algorithm, typ: 'JWT' })
    .setIssuedAt(Math.floor(record.createdAt))
    .setExpirationTime(Math.ceil(record.expiresAt))
    .sign(encodeSecret(secret));
}

/**
 * The payload of `token` verified with the first of `secrets` whose signature matches. Only a
 * signature mismatch moves on to the next secret: any other failure (an expired token, a claim
 * of the wrong type) is the token's, whatever secret signed it.
 */
async function verifyWithAnySecret(
  token: string,
  secrets: readonly string[],
  nowMs: number,
): Promise<JWTPayload> {
  for (const [index, secret] of secrets.entries()) {
    try {
      const { payload } = await jwtVerify(token, encodeSecret(secret), {
        algorithms: [algorithm],
        currentDate: new Date(nowMs),
      });
      return payload;
    } catch (error) {
      const last = index === secrets.length - 1;
      if (last || !(error instanceof joseErrors.JWSSignatureVerificationFailed)) throw error;
    }
  }
  throw new joseErrors.JWSSignatureVerificationFailed();
}

function invalidToken(cause: unknown): HttpError {
  return HttpError.detail(401, 'Invalid session token', { cause });
}

/**
 * Verifies a session token and reads its claims. The algorithm is pinned to HS256, so
 * `alg: none` and tokens signed with any other algorithm fail like a bad signature (401
 * "Invalid session token"). Claims that are missing or of the wrong type give 401 "Invalid
 * session payload". An expired token is not an error here: it comes back with `expired: true`
 * so that the caller can expire the session before refusing it.
 */
export async function verifySessionToken(options: VerifySessionTokenOptions): Promise<VerifiedSessionToken> {
  const { token, secret, nowMs } = options;
  let payload: JWTPayload;
  let expiredByExp = false;
  try {
    payload = await verifyWithAnySecret(token, [secret, ...(options.previousSecrets ?? [])], nowMs);
  } catch (error) {
    // jose only checks claims after the signature verified, so this payload is authentic.
    if (error instanceof joseErrors.JWTExpired) {
      payload = error.payload;
      expiredByExp = true;
    } else {
      throw invalidToken(error);
    }
  }

  const sessionId = payload['session_id'];
  const apiKeyHash = payload['api_key_hash'];
  const expiresAt = payload['expires_at'];
  const user = payload['user'];
  const principal = principalOfTokenClaim(payload['principal']);
  if (
    principal === null ||
    (user !== undefined && typeof user !== 'string') ||
    typeof sessionId !== 'string' ||
    typeof apiKeyHash !== 'string' ||
    typeof expiresAt !== 'number' ||
    !Number.isFinite(expiresAt)
  ) {
    throw HttpError.detail(401, 'Invalid session payload');
  }
  return {
    sessionId,
    apiKeyHash,
    ...(user === undefined ? {} : { user }),
    ...(principal === undefined ? {} : { principal }),
    expiresAt,
    expired: expiredByExp || nowMs / 1000 >= expiresAt,
  };
}
