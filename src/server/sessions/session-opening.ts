import { randomUUID } from 'node:crypto';
import type { SessionRecord } from '../../core/stores.js';
import { HttpError } from '../../core/http-error.js';
import { signSessionToken } from './session-token.js';
import type { SessionIdentity } from './principal-session.js';
import type { AuthManagerSettings } from './auth-manager-options.js';

/** How long a client refused for want of session room is asked to wait, in seconds. */
const SESSIONS_FULL_RETRY_AFTER_SECONDS = 60;

/** The body of a successful `/chat/init`. */
export interface SessionInitResponse {
  session_token: string;
  session_id: string;
  /** Unix seconds. */
  expires_at: number;
}

/** Stores new sessions within `maxSessions` and hands out their tokens. */
export interface SessionOpening {
  /**
   * Stores a new session of `identity`, within `maxSessions` (else 503 with `retry-after`),
   * ending after the session lifetime or at `notAfter` (unix seconds), whichever comes first.
   */
  store(identity: SessionIdentity, notAfter?: number): Promise<SessionRecord>;
  /**
   * Stores a new session and hands out its token. A session of a token's principal ends no later
   * than the token (`principal.expiresAt`): its own token must not outlive the one it came from.
   */
  open(identity: SessionIdentity): Promise<SessionInitResponse>;
}

/** The 503 of a session refused for want of room: `maxSessions` sessions are stored. */
export const sessionsFull = (maxSessions: number): HttpError =>
  HttpError.detail(503, `Too many live sessions (maxSessions ${maxSessions}); retry later`, {
    headers: { 'retry-after': String(SESSIONS_FULL_RETRY_AFTER_SECONDS) },
  });

/** A new session id: `sess_` and a random UUID's hex digits. */
export const newSessionId = (): string => `sess_${randomUUID().replaceAll('-', '')}`;

/** The session opening of `createAuthManager`, over its store, secret and clock. */
export function createSessionOpening(settings: AuthManagerSettings): SessionOpening {
  const { secret, sessions, now } = settings;
  // Session records and tokens count in unix seconds.
  const ttlSeconds = settings.sessionTtlMs / 1000;

  async function store(
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
      throw sessionsFull(settings.maxSessions);
    }
    return record;
  }

  return {
    store,
    async open(identity) {
      const record = await store(identity, identity.principal?.expiresAt);
      const sessionToken = await signSessionToken({ record, secret });
      return { session_token: sessionToken, session_id: record.sessionId, expires_at: record.expiresAt };
    },
  };
}
