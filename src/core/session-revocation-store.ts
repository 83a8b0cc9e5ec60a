/**
 * The durable record of sessions ended early (logout), kept in the database so that a restart
 * which forgets the sessions themselves (kept in memory) still refuses their tokens. Points in
 * time are unix milliseconds.
 */

/** Sessions ended before their expiry, each kept until then. */
export interface SessionRevocationStore {
  /**
   * Records that session `sessionId` was ended, until `expiresAt` (its token's expiry, after
   * which the token is refused as expired anyway). Idempotent; a later expiry wins.
   */
  revoke(sessionId: string, expiresAt: number): Promise<void>;
  /**
   * When the revocation of `sessionId` expires, if the session was ended and that is still after
   * `now`; undefined otherwise.
   */
  revokedUntil(sessionId: string, now: number): Promise<number | undefined>;
  /** Deletes at most `limit` revocations expired at `now` (`expires_at <= now`); how many. */
  deleteExpired(now: number, limit: number): Promise<number>;
}
