import { z } from 'zod';
import {
  callable,
  objectOf,
  positiveInteger,
  positiveNumber,
  stringIterable,
} from '../../core/parse-options.js';
import type { SessionRecord, SessionStore } from '../../core/stores.js';
import type { SessionRevocationStore } from '../../core/session-revocation-store.js';
import { serverDefaults } from '../contracts/server-spec.js';

function reportError(error: unknown): void {
  console.error('[ai-agent-gateway] session expiry failed', error);
}

/** The options of `createAuthManager` (its sessions, keys and clock). */
export const authManagerOptionsSchema = z.strictObject({
  /** HMAC secret of the session tokens; must not be empty (see `generateJwtSecret`). */
  secret: z.string().min(1),
  /**
   * Secrets of earlier tokens that still verify (`server.jwtSecret` as a list, after its
   * first): tokens signed before a rotation stay valid until they expire. Default none.
   */
  previousSecrets: z.array(z.string().min(1)).default(() => []),
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
  /**
   * The issuers whose principals' sessions stay valid (`server.auth.jwt`'s issuer and audiences,
   * the `authenticate` hook): a session of a principal whose issuer is no longer among them is
   * refused, whether it was kept or restored. Left out, principals' issuers are not checked.
   */
  principalIssuers: z
    .strictObject({
      jwt: z.strictObject({ issuer: z.string().min(1), audiences: z.array(z.string().min(1)) }).optional(),
      authenticateHook: z.boolean().default(false),
    })
    .optional(),
  /**
   * The database's record of sessions ended early (`DatabaseStores.sessionRevocations`), or
   * undefined while none is open: a logout is written there, and a session is restored from its
   * token only when it is not revoked there. Left out, logouts last as long as `sessions` keeps
   * them.
   */
  revocations: callable<() => SessionRevocationStore | undefined>().optional(),
  /** Runs once for each session removed because it expired (sweep or a late request). */
  onSessionExpired: callable<(record: SessionRecord) => void | Promise<void>>().optional(),
  /** Told about failures nobody awaits (a throwing hook, a failed sweep); stderr unless given. */
  onError: callable<(error: unknown) => void>().default(() => reportError),
  /** Clock in milliseconds since the epoch; inject it to test expiry. */
  now: callable<() => number>().default(() => Date.now),
});

/** The options of `AuthManager.startExpirySweep`. */
export const sweepOptionsSchema = z.strictObject({
  /** Period of the sweep in ms (`server.sessionCleanupIntervalMs`). */
  intervalMs: positiveNumber().default(serverDefaults.sessionCleanupIntervalMs),
});

/** `createAuthManager`'s options once parsed, defaults filled in. */
export type AuthManagerSettings = z.output<typeof authManagerOptionsSchema>;
