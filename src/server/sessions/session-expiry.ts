import type { z } from 'zod';
import type { SessionRecord } from '../../core/stores.js';
import { parseOptions } from '../../core/parse-options.js';
import { sweepOptionsSchema, type AuthManagerSettings } from './auth-manager-options.js';
import type { SessionRestorer } from './session-restorer.js';
import type { SessionRevocations } from './session-revocations.js';

/** The end of expired sessions: one at a time as requests find them, or all by a sweep. */
export interface SessionExpiry {
  /** Removes the session; the caller whose delete removed it runs the hook. */
  expire(sessionId: string): Promise<void>;
  /**
   * Removes every expired session now, runs the hook for each, and returns them; then deletes
   * the expired revocations (a failure there goes to `onError` and ends nothing else).
   */
  sweep(): Promise<SessionRecord[]>;
  /** Sweeps every `intervalMs` until `close()` (unref'd, never overlapping); once only. */
  start(options: z.input<typeof sweepOptionsSchema>): void;
  /** Stops the sweep and waits for one in flight. Idempotent. */
  close(): Promise<void>;
}

/** The session expiry of `createAuthManager`, over its store, hook, clock and revocations. */
export function createSessionExpiry(
  settings: AuthManagerSettings,
  restorer: SessionRestorer,
  revocations?: SessionRevocations,
): SessionExpiry {
  const { sessions, now, onError } = settings;
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

  async function sweep(): Promise<SessionRecord[]> {
    restorer.prune();
    const expired = await sessions.takeExpired(now() / 1000);
    for (const record of expired) await runExpiryHook(record);
    await revocations?.sweep().catch(onError);
    return expired;
  }

  return {
    async expire(sessionId) {
      const record = await sessions.get(sessionId);
      // Only the caller whose delete removed the record runs the hook, so a request racing the
      // sweep never runs it twice.
      if (record !== undefined && (await sessions.delete(sessionId))) {
        restorer.removed(record);
        await runExpiryHook(record);
      }
    },

    sweep,

    start(sweepOptions) {
      const { intervalMs } = parseOptions(sweepOptionsSchema, sweepOptions, 'startExpirySweep');
      if (closed || sweepTimer !== undefined) return;
      sweepTimer = setInterval(() => {
        if (sweepInFlight !== undefined) return;
        sweepInFlight = sweep()
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
