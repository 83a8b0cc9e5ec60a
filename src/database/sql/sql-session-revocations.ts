import type { SessionRevocationStore } from '../../core/session-revocation-store.js';
import type { SqlEngine } from './sql-engine.js';
import { failClosed } from './store-errors.js';

/**
 * Session revocations over SQL (`session_revocations`, migration 24): one row per ended session,
 * keyed by its id, deleted by `deleteExpired` once its token has expired.
 */
export function createSqlSessionRevocationStore(engine: SqlEngine): SessionRevocationStore {
  return {
    revoke: (sessionId, expiresAt) =>
      failClosed('revokeSession', async () => {
        await engine.query(
          `INSERT INTO session_revocations (session_id, expires_at) VALUES ($1, $2)
           ON CONFLICT (session_id) DO UPDATE
           SET expires_at = GREATEST(session_revocations.expires_at, EXCLUDED.expires_at)`,
          [sessionId, Math.ceil(expiresAt)],
        );
      }),

    revokedUntil: (sessionId, now) =>
      failClosed('sessionRevokedUntil', async () => {
        const found = await engine.query<{ expires_at: number }>(
          'SELECT expires_at FROM session_revocations WHERE session_id = $1 AND expires_at > $2',
          [sessionId, Math.floor(now)],
          'session_revoked_until',
        );
        const row = found.rows[0];
        return row === undefined ? undefined : Number(row.expires_at);
      }),

    deleteExpired: (now, limit) =>
      failClosed('deleteExpiredSessionRevocations', async () => {
        const deleted = await engine.query(
          `DELETE FROM session_revocations WHERE session_id IN (
             SELECT session_id FROM session_revocations WHERE expires_at <= $1 LIMIT $2)`,
          [Math.floor(now), limit],
        );
        return deleted.rowCount;
      }),
  };
}
