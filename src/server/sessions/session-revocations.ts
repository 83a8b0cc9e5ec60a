import type { SessionRevocationStore } from '../../core/session-revocation-store.js';
import type { SessionRecord } from '../../core/stores.js';

/** Revocations deleted by one statement of the sweep, at most: short transactions. */
export const REVOCATION_SWEEP_BATCH = 500;

/** Options of `createSessionRevocations`. */
export interface SessionRevocationsOptions {
  /**
   * The database's revocation store, or undefined when none is configured or open (the
   * revocations are then this process's only).
   */
  store: () => SessionRevocationStore | undefined;
  /** Clock in milliseconds since the epoch. */
  now: () => number;
}

/** The logouts an auth manager knows of: its own, and the database's. */
export interface SessionRevocations {
  /**
   * Records the end of `record`'s session until its expiry: in the database first (so that a
   * failed write fails the logout rather than leaving it to this process), then here.
   */
  revoke(record: SessionRecord): Promise<void>;
  /**
   * Whether session `sessionId` was ended: known here (ended by this process, or found ended
   * before), else asked of the database. Asked only before a session is restored from its token
   * (once per session and process), never on the requests of a session held in the store.
   */
  isRevoked(sessionId: string): Promise<boolean>;
  /** Forgets the expired revocations here and deletes them from the database; how many there. */
  sweep(): Promise<number>;
}

/** Creates the revocations of `createAuthManager`. */
export function createSessionRevocations(options: SessionRevocationsOptions): SessionRevocations {
  const { store, now } = options;
  // Session id to its expiry (unix ms): what this process knows was ended.
  const known = new Map<string, number>();
  return {
    async revoke(record) {
      const expiresAt = record.expiresAt * 1000;
      await store()?.revoke(record.sessionId, expiresAt);
      known.set(record.sessionId, expiresAt);
    },
    async isRevoked(sessionId) {
      const expiresAt = known.get(sessionId);
      if (expiresAt !== undefined) return expiresAt > now();
      const until = await store()?.revokedUntil(sessionId, now());
      if (until === undefined) return false;
      known.set(sessionId, until);
      return true;
    },
    async sweep() {
      const nowMs = now();
      for (const [sessionId, expiresAt] of known) {
        if (expiresAt <= nowMs) known.delete(sessionId);
      }
      const durable = store();
      if (durable === undefined) return 0;
      let total = 0;
      for (;;) {
        const deleted = await durable.deleteExpired(nowMs, REVOCATION_SWEEP_BATCH);
        total += deleted;
        if (deleted < REVOCATION_SWEEP_BATCH) return total;
      }
    },
  };
}
