import type { SessionRecord, SessionStore } from '../../core/stores.js';
import type { VerifiedSessionToken } from './session-token.js';
import { sessionsFull } from './session-opening.js';

/** Options of `createSessionRestorer`. */
export interface SessionRestorerOptions {
  sessions: SessionStore;
  /** `restoreSessionsFromTokens`: when false, `restore` restores nothing. */
  enabled: boolean;
  /** The session lifetime in seconds (a restored session's `createdAt` is derived from it). */
  ttlSeconds: number;
  /** `maxSessions`: a restored session takes room in the pool like a new one. */
  maxSessions: number;
  /** Clock in milliseconds since the epoch. */
  now: () => number;
}

/** Restores sessions a restart forgot from their tokens. */
export interface SessionRestorer {
  /**
   * The session of a verified, unexpired token that the store does not hold, rebuilt from its
   * claims and stored again (same id, owner, principal and expiry, so it reaches the same threads
   * and runs); undefined when restoring is off or this instance removed the session early. Stored
   * within `maxSessions` where the store can (else 503, as a new session would be): restored
   * sessions cannot hold more room than opened ones.
   */
  restore(verified: VerifiedSessionToken): Promise<SessionRecord | undefined>;
  /** Notes a session this instance removed; one removed before its end is never restored. */
  removed(record: SessionRecord): void;
  /** Forgets the removals whose end has passed (their tokens are refused as expired then). */
  prune(): void;
}

/** Creates the restorer of an auth manager. */
export function createSessionRestorer(options: SessionRestorerOptions): SessionRestorer {
  const { sessions, enabled, ttlSeconds, maxSessions, now } = options;
  // Sessions removed before their end, id to `expiresAt`: a token may outlive its session.
  const removedEarly = new Map<string, number>();
  return {
    async restore(verified) {
      if (!enabled || removedEarly.has(verified.sessionId)) return undefined;
      const record: SessionRecord = {
        sessionId: verified.sessionId,
        apiKeyHash: verified.apiKeyHash,
        ...(verified.user === undefined ? {} : { user: verified.user }),
        ...(verified.principal === undefined ? {} : { principal: verified.principal }),
        createdAt: Math.min(Math.floor(now() / 1000), verified.expiresAt - ttlSeconds),
        expiresAt: verified.expiresAt,
        approvedToolTypes: [],
      };
      if (sessions.createWithin === undefined) await sessions.create(record);
      else if (!(await sessions.createWithin(record, maxSessions))) throw sessionsFull(maxSessions);
      return record;
    },
    removed(record) {
      if (record.expiresAt > now() / 1000) removedEarly.set(record.sessionId, record.expiresAt);
    },
    prune() {
      const nowSeconds = now() / 1000;
      for (const [sessionId, expiresAt] of removedEarly) {
        if (expiresAt <= nowSeconds) removedEarly.delete(sessionId);
      }
    },
  };
}
