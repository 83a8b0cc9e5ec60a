import {
  createLocalJWKSet,
  createRemoteJWKSet,
  errors as joseErrors,
  jwtVerify,
  type JWTVerifyGetKey,
} from 'jose';
import type { SessionPrincipal } from '../../core/principal.js';
import type { JwtSettings } from '../contracts/auth-option.js';
import { AuthRefusal } from './auth-refusal.js';
import { discoverJwksUrl } from './discover-jwks-url.js';
import { PrincipalClaimError, principalOfClaims } from './principal-of-claims.js';
import { createVerifiedJwtMemory } from './verified-jwt-memory.js';

/** Clock skew tolerated on `exp` and `nbf`, in seconds: enough for honest clocks, no more. */
const CLOCK_TOLERANCE_SECONDS = 30;
/** Least time between two fetches of the key set (a token with an unknown `kid` asks for one). */
const JWKS_COOLDOWN_MS = 30_000;
/** Age after which the key set is fetched again before use. */
const JWKS_MAX_AGE_MS = 600_000;
/** How long one key-set fetch may take. */
const JWKS_TIMEOUT_MS = 5_000;
/** Verified tokens remembered (a hash and a principal each). */
const REMEMBERED_TOKENS = 10_000;

/** Options of `createJwtVerifier`. */
export interface JwtVerifierOptions {
  settings: JwtSettings;
  /** Clock in milliseconds since the epoch; inject it to test expiry. */
  now?: () => number;
  /** Verified tokens remembered and answered without a signature check; 0 disables (default 10 000). */
  rememberedTokens?: number;
}

/** What `verify` checks beyond the settings. */
export interface JwtVerifyOptions {
  /**
   * The audience this request needs (the MCP endpoint's URL, RFC 8707); it must also be one of
   * the configured ones. Default: any of `audiences`.
   */
  audience?: string;
  /**
   * The audiences accepted when no single `audience` is asked, each one of the configured ones
   * (the REST API's: see `restAudiencesOf`). Default: every configured audience.
   */
  audiences?: readonly string[];
}

/** Verifies bearer tokens of one OpenID Connect issuer. */
export interface JwtVerifier {
  /** The caller of a valid token; an `AuthRefusal` with the reason otherwise. */
  verify(token: string, options?: JwtVerifyOptions): Promise<SessionPrincipal>;
}

/** The `aud` claim as a list (a token may name one audience or several). */
const audiencesOfClaim = (aud: unknown): string[] =>
  typeof aud === 'string' ? [aud] : Array.isArray(aud) ? aud.filter((item) => typeof item === 'string') : [];

/** The log's reason for a failed jose verification. */
function reasonOf(error: unknown): string {
  if (error instanceof joseErrors.JWTExpired) return 'expired';
  if (error instanceof joseErrors.JWTClaimValidationFailed) {
    if (error.claim === 'nbf') return 'not yet valid';
    if (error.claim === 'iss') return 'wrong issuer';
    if (error.claim === 'aud') return 'wrong audience';
    return `invalid claim ${error.claim}`;
  }
  if (error instanceof joseErrors.JOSEAlgNotAllowed) return 'algorithm not allowed';
  if (error instanceof joseErrors.JWKSNoMatchingKey) return 'unknown key';
  if (error instanceof joseErrors.JWSSignatureVerificationFailed) return 'bad signature';
  if (error instanceof joseErrors.JWKSTimeout) return 'signing keys unavailable (timeout)';
  if (error instanceof joseErrors.JOSEError) return `invalid token (${error.code})`;
  return `signing keys unavailable (${error instanceof Error ? error.message.slice(0, 200) : 'unknown'})`;
}

/**
 * Creates the verifier of `server.auth.jwt`. Keys come from the provider's JWKS (found through
 * discovery when `jwksUrl` is not given) and are cached: a token signed with an unknown `kid`
 * fetches the set again (key rotation), at most once per cooldown, so a flood of forged `kid`s
 * cannot flood the provider. When the provider cannot be reached, the keys already fetched
 * still verify tokens; a token needing any other key is refused (fail closed). A token that
 * verified is remembered (`createVerifiedJwtMemory`): its next request costs a hash, not a
 * signature check, until it expires or the key set's refresh period passes.
 */
export function createJwtVerifier(options: JwtVerifierOptions): JwtVerifier {
  const { settings } = options;
  const now = options.now ?? Date.now;
  const audiences = typeof settings.audience === 'string' ? [settings.audience] : settings.audience;
  let remote: ReturnType<typeof createRemoteJWKSet> | undefined;
  let discovering: Promise<ReturnType<typeof createRemoteJWKSet>> | undefined;
  let lastFailedFetchAt = Number.NEGATIVE_INFINITY;
  let failedDiscovery: { at: number; error: Error } | undefined;
  // A remembered token is answered for at most as long as the key set is kept between fetches.
  const memory = createVerifiedJwtMemory({
    maxEntries: options.rememberedTokens ?? REMEMBERED_TOKENS,
    maxAgeMs: JWKS_MAX_AGE_MS,
    clockToleranceSeconds: CLOCK_TOLERANCE_SECONDS,
  });

  const remoteKeys = (): Promise<ReturnType<typeof createRemoteJWKSet>> => {
    if (remote !== undefined) return Promise.resolve(remote);
    // A provider that is down is asked again only after the cooldown, not on every request.
    if (failedDiscovery !== undefined && now() - failedDiscovery.at < JWKS_COOLDOWN_MS) {
      return Promise.reject(failedDiscovery.error);
    }
    discovering ??= (async () => {
      const url =
        settings.jwksUrl === undefined ? await discoverJwksUrl(settings.issuer) : new URL(settings.jwksUrl);
      remote = createRemoteJWKSet(url, {
        cooldownDuration: JWKS_COOLDOWN_MS,
        cacheMaxAge: JWKS_MAX_AGE_MS,
        timeoutDuration: JWKS_TIMEOUT_MS,
      });
      return remote;
    })().catch((error: unknown) => {
      discovering = undefined;
      failedDiscovery = { at: now(), error: error instanceof Error ? error : new Error(String(error)) };
      throw error;
    });
    return discovering;
  };

  const getKey: JWTVerifyGetKey = async (header, token) => {
    const keys = await remoteKeys();
    const cached = keys.jwks();
    // After a failed fetch, the cached keys answer alone until the cooldown passed.
    if (cached !== undefined && now() - lastFailedFetchAt < JWKS_COOLDOWN_MS) {
      return createLocalJWKSet(cached)(header, token);
    }
    try {
      return await keys(header, token);
    } catch (error) {
      if (
        error instanceof joseErrors.JWKSNoMatchingKey ||
        error instanceof joseErrors.JWKSMultipleMatchingKeys
      ) {
        throw error;
      }
      lastFailedFetchAt = now();
      if (cached === undefined) throw error;
      return createLocalJWKSet(cached)(header, token);
    }
  };

  return {
    async verify(token, verifyOptions = {}) {
      if (Buffer.byteLength(token, 'utf8') > settings.maxTokenBytes) throw new AuthRefusal('token too large');
      const audience = verifyOptions.audience;
      if (audience !== undefined && !audiences.includes(audience)) {
        throw new AuthRefusal(`wrong audience (${audience} is not among server.auth.jwt.audience)`);
      }
      const accepted = verifyOptions.audiences ?? audiences;
      if (audience === undefined && accepted.length === 0) {
        throw new AuthRefusal('wrong audience (no audience of server.auth.jwt.audience is accepted here)');
      }
      // The same bytes verified for one surface say nothing about another.
      const memoryKey = audience ?? accepted.join('\n');
      const known = memory.recall(token, memoryKey, now());
      if (known !== undefined) return known;
      let payload: Record<string, unknown>;
      try {
        ({ payload } = await jwtVerify(token, getKey, {
          issuer: settings.issuer,
          audience: audience ?? [...accepted],
          algorithms: settings.algorithms,
          clockTolerance: CLOCK_TOLERANCE_SECONDS,
          currentDate: new Date(now()),
          requiredClaims: ['exp'],
        }));
      } catch (error) {
        throw new AuthRefusal(reasonOf(error));
      }
      let principal: SessionPrincipal;
      try {
        principal = {
          ...principalOfClaims(payload, settings),
          issuer: settings.issuer,
          audiences: audiencesOfClaim(payload['aud']),
          ...(typeof payload['exp'] === 'number' ? { expiresAt: payload['exp'] } : {}),
          issuedAt: typeof payload['iat'] === 'number' ? payload['iat'] : now() / 1000,
        };
      } catch (error) {
        if (error instanceof PrincipalClaimError) throw new AuthRefusal(error.message);
        throw error;
      }
      memory.remember(token, memoryKey, { principal, exp: payload['exp'] }, now());
      return principal;
    },
  };
}
