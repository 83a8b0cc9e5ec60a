import { HttpError } from '../../core/http-error.js';
import type { QueueBoundReached, QueueBounds } from '../../core/queued-run-store.js';
import { ChurnMap } from '../../core/churn-map.js';

/** What each bound is called in the answer: its option. */
const OPTION_OF: Record<QueueBoundReached, string> = {
  maxPerSession: 'server.queuedRuns.maxPerSession',
  maxPerOwner: 'server.queuedRuns.maxPerOwner',
  maxBytesPerOwner: 'server.queuedRuns.maxBytesPerOwner',
};

/** The 429 `queue_full` of an enqueue past `reached`: the runs already queued are kept. */
export function queueFullError(reached: QueueBoundReached, bounds: QueueBounds): HttpError {
  const what =
    reached === 'maxPerSession'
      ? 'this session'
      : reached === 'maxBytesPerOwner'
        ? 'the request bytes of this owner'
        : 'this owner';
  return new HttpError(
    429,
    {
      detail:
        `Too many queued runs for ${what} (${OPTION_OF[reached]} ${bounds[reached]}); ` +
        'wait for one to start or cancel one first',
      code: 'queue_full',
    },
    { headers: { 'retry-after': '5' } },
  );
}

/** A run counted while it waits in this instance's memory; `leave` gives its place back (idempotent). */
export interface WaitingPlace {
  leave(): void;
}

/** The bounds of runs that wait in this instance's memory (a gateway without a database). */
export interface MemoryQueueBounds {
  /** Takes a place for a run of `sessionId` and `ownerKey` of `bytes`, or names the bound met. */
  take(sessionId: string, ownerKey: string, bytes: number): WaitingPlace | QueueBoundReached;
}

/** Counts the runs waiting in memory per session and per owner, and their bytes per owner. */
export function createMemoryQueueBounds(bounds: QueueBounds): MemoryQueueBounds {
  const bySession = new Map<string, number>();
  const byOwner = new ChurnMap<string, { runs: number; bytes: number }>();
  return {
    take(sessionId, ownerKey, bytes) {
      const inSession = bySession.get(sessionId) ?? 0;
      const ofOwner = byOwner.get(ownerKey) ?? { runs: 0, bytes: 0 };
      if (inSession >= bounds.maxPerSession) return 'maxPerSession';
      if (ofOwner.runs >= bounds.maxPerOwner) return 'maxPerOwner';
      if (ofOwner.bytes + bytes > bounds.maxBytesPerOwner) return 'maxBytesPerOwner';
      bySession.set(sessionId, inSession + 1);
      byOwner.set(ownerKey, { runs: ofOwner.runs + 1, bytes: ofOwner.bytes + bytes });
      let left = false;
      return {
        leave() {
          if (left) return;
          left = true;
          const session = (bySession.get(sessionId) ?? 1) - 1;
          if (session <= 0) bySession.delete(sessionId);
          else bySession.set(sessionId, session);
          const owner = byOwner.get(ownerKey);
          if (owner === undefined) return;
          if (owner.runs <= 1) byOwner.delete(ownerKey);
          else byOwner.set(ownerKey, { runs: owner.runs - 1, bytes: owner.bytes - bytes });
        },
      };
    },
  };
}
