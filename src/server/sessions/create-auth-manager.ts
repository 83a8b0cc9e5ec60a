import type { z } from 'zod';
import { parseOptions } from '../../core/parse-options.js';
import type { SessionRecord } from '../../core/stores.js';
import { HttpError } from '../../core/http-error.js';
import { hashApiKey } from '../../stores/hash-api-key.js';
import { createSessionTokenVerifier } from './create-session-token-verifier.js';
import type { VerifiedSessionToken } from './session-token.js';
import { createSessionRestorer } from './session-restorer.js';
import type { SessionPrincipal } from '../../core/principal.js';
import { initIdentityOfPrincipal, type SessionIdentity } from './principal-session.js';
import { authManagerOptionsSchema, type sweepOptionsSchema } from './auth-manager-options.js';
import { createApiKeyGate } from './api-key-gate.js';
import { createSessionExpiry } from './session-expiry.js';
import { createSessionValidity, type SessionValidity } from './session-validity.js';
import { createSessionRevocations } from './session-revocations.js';
import { createSessionOpening, newSessionId, type SessionInitResponse } from './session-opening.js';

/** Options of `AuthManager.startExpirySweep`. */
export type SweepOptions = z.input<typeof sweepOptionsSchema>;

/** Options of `createAuthManager`. */
export type AuthManagerOptions = z.input<typeof authManagerOptionsSchema>;

/** Opens sessions for API keys and authenticates requests by their session token. */
export interface AuthManager {
  /**
   * Opens a session for an API key, acting for `user` when given. 401 `{detail: "Missing API
   * key"}` for an empty key, 401 `{detail: "Invalid API key"}` for a key outside a non-empty
   * allow-list, 403 `{detail, code: "user_assertion_forbidden"}` for a `user` asserted by a key
   * outside `serverSideApiKeys`, 503 with `retry-after` when `maxSessions` sessions are live.
   */
  initSession(apiKey: string, user?: string): Promise<SessionInitResponse>;
  /**
   * Opens a session for an authenticated principal (`/chat/init` with a bearer JWT), ending no
   * later than its token (`principal.expiresAt`); 503 as above.
   */
  initPrincipalSession(principal: SessionPrincipal): Promise<SessionInitResponse>;
  /**
   * The stored session of an identity that needs no `/chat/init` (a principal, an API key as
   * bearer), created when missing or expired (an expired one is removed and its hook runs
   * first); 503 when `maxSessions` sessions are live. The principal of this request is the
   * one returned (its scopes may differ from the stored one's).
   */
  sessionOf(identity: SessionIdentity): Promise<SessionRecord>;
  /** Whether `apiKey` is one of `validApiKeys` (false when the list is empty or keys are off). */
  isListedApiKey(apiKey: string): boolean;
  /**
   * Why a session, or background work, of this key, user and principal would no longer be
   * accepted under the current settings (`session-validity.ts`), or undefined.
   */
  invalidityOf: SessionValidity['invalidityOf'];
  /**
   * Resolves the session of an `Authorization` header value, in this order:
   * "Missing Authorization header", "Authorization header must use the Bearer scheme…" (a
   * value without `Bearer `), "Invalid session token", "Invalid session payload",
   * "Session expired" (the session is removed and the hook runs), "Session ended" (logged
   * out), "Session no longer valid: <why>" (what opened it no longer would: `session-validity.ts`;
   * the session is removed), "Unknown session"; each a 401 `HttpError` with body `{detail}`. A
   * session restored from its token is stored within `maxSessions` (else 503).
   */
  authenticate(authorization: string | null | undefined): Promise<SessionRecord>;
  /**
   * Ends the session of an `Authorization` header value now (`DELETE /chat/session`), refused as
   * `authenticate` refuses. Its record is kept, marked ended, until it expires: every instance
   * sharing the store then answers its token 401 "Session ended", and none restores it from the
   * token. With `revocations` the end is written to the database first (a failed write fails the
   * logout): a restart that forgot sessions kept in memory refuses the token all the same.
   */
  logout(authorization: string | null | undefined): Promise<void>;
  /** Removes every expired session now, runs the hook for each, and returns them. */
  sweepExpiredSessions(): Promise<SessionRecord[]>;
  /**
   * Sweeps periodically until `close()`. The timer is `unref()`ed so that it never keeps the
   * process alive; a sweep never overlaps the previous one. Calling it again, or after
   * `close()`, does nothing.
   */
  startExpirySweep(options?: SweepOptions): void;
  /** Stops the sweep and waits for one in flight. Idempotent; the session store stays open. */
  close(): Promise<void>;
}

/**
 * Creates the session authority of a gateway. Options are checked before anything else
 * happens. Composed of its API-key gate (`api-key-gate.ts`), the opening of sessions
 * (`session-opening.ts`) and their expiry (`session-expiry.ts`).
 */
export function createAuthManager(options: AuthManagerOptions): AuthManager {
  const settings = parseOptions(authManagerOptionsSchema, options, 'createAuthManager');
  const { secret, sessions, now } = settings;
  const keys = createApiKeyGate(settings);
  const opening = createSessionOpening(settings);
  // Each token's signature is checked once; later requests of the session skip the crypto.
  const tokens = createSessionTokenVerifier({ secret, previousSecrets: settings.previousSecrets });
  const restorer = createSessionRestorer({
    sessions,
    enabled: settings.restoreSessionsFromTokens,
    ttlSeconds: settings.sessionTtlMs / 1000,
    maxSessions: settings.maxSessions,
    now,
  });
  const validity = createSessionValidity(settings);
  const revocations = createSessionRevocations({ store: settings.revocations ?? (() => undefined), now });
  const expiry = createSessionExpiry(settings, restorer, revocations);
  /** A session the store does not hold, restored from its token unless it was ended (logout). */
  const restore = async (verified: VerifiedSessionToken): Promise<SessionRecord | undefined> => {
    if (!settings.restoreSessionsFromTokens) return undefined;
    if (await revocations.isRevoked(verified.sessionId)) throw HttpError.detail(401, 'Session ended');
    return restorer.restore(verified);
  };

  return {
    async initSession(apiKey, user) {
      keys.admit(apiKey, user);
      return opening.open({
        sessionId: newSessionId(),
        apiKeyHash: hashApiKey(apiKey),
        ...(user === undefined ? {} : { user }),
      });
    },

    initPrincipalSession(principal) {
      return opening.open(initIdentityOfPrincipal(principal, newSessionId()));
    },

    async sessionOf(identity) {
      const nowSeconds = now() / 1000;
      const stored = await sessions.get(identity.sessionId);
      if (stored !== undefined && stored.expiresAt > nowSeconds) {
        if (stored.apiKeyHash !== identity.apiKeyHash || stored.user !== identity.user) {
          throw HttpError.detail(401, 'Unknown session');
        }
        return identity.principal === undefined ? stored : { ...stored, principal: identity.principal };
      }
      if (stored !== undefined) await expiry.expire(identity.sessionId);
      return opening.store(identity);
    },

    isListedApiKey: (apiKey) => keys.isListed(apiKey),

    invalidityOf: (identity) => validity.invalidityOf(identity),

    async authenticate(authorization) {
      if (typeof authorization !== 'string' || authorization.trim() === '') {
        throw HttpError.detail(401, 'Missing Authorization header');
      }
      if (!authorization.startsWith('Bearer ')) {
        throw HttpError.detail(
          401,
          'Authorization header must use the Bearer scheme: "Authorization: Bearer <session_token>"',
        );
      }
      const token = authorization.slice('Bearer '.length).trim();
      // A token seen before (every chat of a session but its first) is answered without a promise.
      const verified = tokens.remembered(token, now()) ?? (await tokens.verify(token, now()));
      if (verified.expired) {
        await expiry.expire(verified.sessionId);
        throw HttpError.detail(401, 'Session expired');
      }
      const stored = await sessions.get(verified.sessionId);
      if (stored?.endedAt !== undefined) throw HttpError.detail(401, 'Session ended');
      const invalidity = validity.invalidityOf(stored ?? verified);
      if (invalidity !== undefined) {
        // Its room in the pool is given back; its token stays refused (checked before a restore).
        if (stored !== undefined) await sessions.delete(stored.sessionId);
        throw HttpError.detail(401, `Session no longer valid: ${invalidity}`);
      }
      const record = stored ?? (await restore(verified));
      if (
        record === undefined ||
        record.apiKeyHash !== verified.apiKeyHash ||
        record.user !== verified.user
      ) {
        throw HttpError.detail(401, 'Unknown session');
      }
      return record;
    },

    async logout(authorization) {
      const record = await this.authenticate(authorization);
      // Durable first: a logout the database did not take is not answered as done.
      await revocations.revoke(record);
      // Kept until its expiry, so that every instance sharing the store refuses the token.
      await sessions.create({ ...record, endedAt: now() / 1000 });
      restorer.removed(record);
    },

    sweepExpiredSessions: () => expiry.sweep(),

    startExpirySweep: (sweepOptions = {}) => expiry.start(sweepOptions),

    close: () => expiry.close(),
  };
}
