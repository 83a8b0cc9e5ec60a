import { createHash, randomUUID } from 'node:crypto';
import { z } from 'zod';
import {
  callable,
  objectOf,
  parseOptions,
  positiveInteger,
  positiveNumber,
  stringIterable,
} from '../../core/parse-options.js';
import type { SessionRecord, SessionStore } from '../../core/stores.js';
import { HttpError } from '../../core/http-error.js';
import { hashApiKey } from '../../stores/hash-api-key.js';
import { createSessionTokenVerifier } from './create-session-token-verifier.js';
import { isSessionOwnerId, SESSION_OWNER_PREFIX } from '../contracts/session-owner.js';
import { signSessionToken } from './session-token.js';
import { createSessionRestorer } from './session-restorer.js';
import { serverDefaults } from '../contracts/server-spec.js';
import type { SessionPrincipal } from '../../core/principal.js';
import { initIdentityOfPrincipal, type SessionIdentity } from './principal-session.js';

/** How long a client refused for want of session room is asked to wait, in seconds. */
const SESSIONS_FULL_RETRY_AFTER_SECONDS = 60;

function reportError(error: unknown): void {
  console.error('[ai-agent-gateway] session expiry failed', error);
}

/** The options of `createAuthManager`. */
const authManagerOptionsSchema = z.strictObject({
  /** HMAC secret of the session tokens; must not be empty (see `generateJwtSecret`). */
  secret: z.string().min(1),
  /** Accepted API keys; empty (as when left out) accepts any non-empty key. */
  validApiKeys: stringIterable()
    .pipe(z.array(z.string().min(1, { message: 'must hold non-empty strings' })))
    .optional(),
  /**
   * Keys (among the accepted ones) that may assert an end user at `/chat/init`: keys held by a
   * backend, never shipped to a browser. Default none.
   */
  serverSideApiKeys: stringIterable()
    .pipe(z.array(z.string().min(1, { message: 'must hold non-empty strings' })))
    .optional(),
  /** Whether API keys open sessions (`server.auth.apiKeys`); when false, `initSession` is refused. */
  apiKeys: z.boolean().default(true),
  /** Session lifetime in ms, fixed at creation (`server.sessionTtlMs`). */
  sessionTtlMs: positiveNumber().default(serverDefaults.sessionTtlMs),
  /**
   * Sessions kept at once, expired ones not yet swept included (`server.maxSessions`); a new one
   * beyond is refused with 503. Enforced where the store offers `createWithin`.
   */
  maxSessions: positiveInteger().default(serverDefaults.maxSessions),
  sessions: objectOf<SessionStore>('a SessionStore'),
  /**
   * Restores a session the store does not hold from its valid, unexpired token instead of
   * answering "Unknown session" (a restart with a kept secret and sessions in memory). Off
   * unless set (the app sets it by default where sessions die with the process).
   */
  restoreSessionsFromTokens: z.boolean().default(false),
  /** Runs once for each session removed because it expired (sweep or a late request). */
  onSessionExpired: callable<(record: SessionRecord) => void | Promise<void>>().optional(),
  /** Told about failures nobody awaits (a throwing hook, a failed sweep); stderr unless given. */
  onError: callable<(error: unknown) => void>().default(() => reportError),
  /** Clock in milliseconds since the epoch; inject it to test expiry. */
  now: callable<() => number>().default(() => Date.now),
});

/** The options of `startExpirySweep`. */
const sweepOptionsSchema = z.strictObject({
  /** Period of the sweep in ms (`server.sessionCleanupIntervalMs`). */
  intervalMs: positiveNumber().default(serverDefaults.sessionCleanupIntervalMs),
});

/** Options of `AuthManager.startExpirySweep`. */
export type SweepOptions = z.input<typeof sweepOptionsSchema>;

/** Options of `createAuthManager`. */
export type AuthManagerOptions = z.input<typeof authManagerOptionsSchema>;

/** The body of a successful `/chat/init`. */
export interface SessionInitResponse {
  session_token: string;
  session_id: string;
  /** Unix seconds. */
  expires_at: number;
}

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
   * Resolves the session of an `Authorization` header value, in this order:
   * "Missing Authorization header", "Authorization header must use the Bearer scheme…" (a
   * value without `Bearer `), "Invalid session token", "Invalid session payload",
   * "Session expired" (the session is removed and the hook runs), "Unknown session";
   * each a 401 `HttpError` with body `{detail}`.
   */
  authenticate(authorization: string | null | undefined): Promise<SessionRecord>;
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

const newSessionId = (): string => `sess_${randomUUID().replaceAll('-', '')}`;

function fullHash(value: string): string {
  return createHash('sha256').update(value, 'utf8').digest('hex');
}

/**
 * Creates the session authority of a gateway. Options are checked before anything else
 * happens. Allowed API keys are kept only as SHA-256 digests and looked up by digest, so the
 * comparison time says nothing about the keys.
 */
export function createAuthManager(options: AuthManagerOptions): AuthManager {
  const settings = parseOptions(authManagerOptionsSchema, options, 'createAuthManager');
  const { secret, sessions, now, onError } = settings;
  // Session records and tokens count in unix seconds.
  const ttlSeconds = settings.sessionTtlMs / 1000;
  const allowedKeyDigests = new Set((settings.validApiKeys ?? []).map(fullHash));
  const serverSideKeyDigests = new Set((settings.serverSideApiKeys ?? []).map(fullHash));
  // Each token's signature is checked once; later requests of the session skip the crypto.
  const tokens = createSessionTokenVerifier({ secret });
  const restorer = createSessionRestorer({
    sessions,
    enabled: settings.restoreSessionsFromTokens,
    ttlSeconds,
    now,
  });
  let sweepTimer: NodeJS.Timeout | undefined;
  let sweepInFlight: Promise<unknown> | undefined;
  let closed = false;

  async function runExpiryHook(record: SessionRecord): Promise<void> {
    if (settings.onSessionExpired === undefined) return;
    try {
      await settings.onSessionExpired(record);
    } catch (error) {
      onError(error);
    }
  }

  async function expireSession(sessionId: string): Promise<void> {
    const record = await sessions.get(sessionId);
    // Only the caller whose delete removed the record runs the hook, so a request racing the
    // sweep never runs it twice.
    if (record !== undefined && (await sessions.delete(sessionId))) {
      restorer.removed(record);
      await runExpiryHook(record);
    }
  }

  /**
   * Stores a new session of `identity`, within `maxSessions`, ending after the session lifetime
   * or at `notAfter` (unix seconds), whichever comes first.
   */
  async function storeSession(
    identity: SessionIdentity,
    notAfter = Number.POSITIVE_INFINITY,
  ): Promise<SessionRecord> {
    const createdAt = Math.floor(now() / 1000);
    const record: SessionRecord = {
      ...identity,
      createdAt,
      expiresAt: Math.min(createdAt + ttlSeconds, notAfter),
      approvedToolTypes: [],
    };
    if (sessions.createWithin === undefined) await sessions.create(record);
    else if (!(await sessions.createWithin(record, settings.maxSessions))) {
      throw HttpError.detail(
        503,
        `Too many live sessions (maxSessions ${settings.maxSessions}); retry later`,
        {
          headers: { 'retry-after': String(SESSIONS_FULL_RETRY_AFTER_SECONDS) },
        },
      );
    }
    return record;
  }

  /**
   * Stores a new session and hands out its token. A session of a token's principal ends no later
   * than the token (`principal.expiresAt`): its own token must not outlive the one it came from.
   */
  async function openSession(identity: SessionIdentity): Promise<SessionInitResponse> {
    const record = await storeSession(identity, identity.principal?.expiresAt);
    const sessionToken = await signSessionToken({ record, secret });
    return { session_token: sessionToken, session_id: record.sessionId, expires_at: record.expiresAt };
  }

  async function sweepExpiredSessions(): Promise<SessionRecord[]> {
    restorer.prune();
    const expired = await sessions.takeExpired(now() / 1000);
    for (const record of expired) await runExpiryHook(record);
    return expired;
  }

  return {
    async initSession(apiKey, user) {
      if (!settings.apiKeys) {
        throw HttpError.detail(
          401,
          'API keys are not accepted (server.auth.apiKeys is off): send a bearer token',
        );
      }
      if (typeof apiKey !== 'string' || apiKey === '') throw HttpError.detail(401, 'Missing API key');
      if (allowedKeyDigests.size > 0 && !allowedKeyDigests.has(fullHash(apiKey))) {
        throw HttpError.detail(401, 'Invalid API key');
      }
      if (user !== undefined && isSessionOwnerId(user)) {
        throw new HttpError(422, {
          detail: `"user" must not start with "${SESSION_OWNER_PREFIX}": those are the ids of session owners`,
          code: 'invalid_user',
        });
      }
      // A key that ships in a browser must not let anyone claim to be anyone.
      if (user !== undefined && !serverSideKeyDigests.has(fullHash(apiKey))) {
        throw new HttpError(403, {
          detail:
            'This API key may not assert a user: only keys listed in server.serverSideApiKeys may send "user"',
          code: 'user_assertion_forbidden',
        });
      }
      return openSession({
        sessionId: newSessionId(),
        apiKeyHash: hashApiKey(apiKey),
        ...(user === undefined ? {} : { user }),
      });
    },

    initPrincipalSession(principal) {
      return openSession(initIdentityOfPrincipal(principal, newSessionId()));
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
      if (stored !== undefined) await expireSession(identity.sessionId);
      return storeSession(identity);
    },

    isListedApiKey(apiKey) {
      return settings.apiKeys && allowedKeyDigests.size > 0 && allowedKeyDigests.has(fullHash(apiKey));
    },

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
      const verified = await tokens.verify(token, now());
      if (verified.expired) {
        await expireSession(verified.sessionId);
        throw HttpError.detail(401, 'Session expired');
      }
      const record = (await sessions.get(verified.sessionId)) ?? (await restorer.restore(verified));
      if (
        record === undefined ||
        record.apiKeyHash !== verified.apiKeyHash ||
        record.user !== verified.user
      ) {
        throw HttpError.detail(401, 'Unknown session');
      }
      return record;
    },

    sweepExpiredSessions,

    startExpirySweep(sweepOptions = {}) {
      const { intervalMs } = parseOptions(sweepOptionsSchema, sweepOptions, 'startExpirySweep');
      if (closed || sweepTimer !== undefined) return;
      sweepTimer = setInterval(() => {
        if (sweepInFlight !== undefined) return;
        sweepInFlight = sweepExpiredSessions()
          .catch(onError)
          .finally(() => {
            sweepInFlight = undefined;
          });
      }, intervalMs);
      sweepTimer.unref();
    },

    async close() {
      closed = true;
      if (sweepTimer !== undefined) {
        clearInterval(sweepTimer);
        sweepTimer = undefined;
      }
      await sweepInFlight;
    },
  };
}
