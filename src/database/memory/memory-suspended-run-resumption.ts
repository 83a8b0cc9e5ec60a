import type { SuspendedRunStore } from '../../core/suspended-run-store.js';
import {
  allAnswered,
  settle,
  unclaimed,
  type MemorySuspensions,
  type SuspensionEntry,
} from './memory-suspensions.js';

/** The methods of `SuspendedRunStore` that find the runs to resume and claim or cancel them. */
export type MemorySuspendedRunResumption = Pick<SuspendedRunStore, 'claim' | 'cancel' | 'due' | 'ofThread'>;

/** Finding suspended runs to resume and claiming or cancelling one, in memory. */
export function createMemorySuspendedRunResumption(state: MemorySuspensions): MemorySuspendedRunResumption {
  const { host, entries } = state;
  return {
    claim(runId, claimer, leaseMs, now) {
      return settle(() => {
        host.open();
        const entry = state.live(runId);
        if (entry === undefined || !unclaimed(entry, now)) return undefined;
        // A run that went on (answered as its suspension was written) is not resumed twice.
        if (host.runStatus(runId) !== 'suspended') return undefined;
        state.applyKept(entry.run);
        if (!allAnswered(entry.run) && entry.run.expiresAt > now) return undefined;
        entry.claimedBy = claimer;
        entry.claimUntil = now + leaseMs;
        host.setRunStatus(runId, 'running');
        return structuredClone(entry.run);
      });
    },
    cancel(runId, now) {
      return settle(() => {
        host.open();
        const entry = state.live(runId);
        if (entry === undefined || !unclaimed(entry, now)) return false;
        if (host.runStatus(runId) !== 'suspended') return false;
        entries.delete(runId);
        host.setRunStatus(runId, 'cancelled');
        return true;
      });
    },
    due(now, limit) {
      return settle(() => {
        host.open();
        const resumable: string[] = [];
        const expired: string[] = [];
        const byAge = [...entries.keys()]
          .map((runId) => state.live(runId))
          .filter((entry): entry is SuspensionEntry => entry !== undefined && unclaimed(entry, now))
          .sort((left, right) => left.run.suspendedAt - right.run.suspendedAt);
        for (const { run } of byAge) {
          state.applyKept(run);
          if (allAnswered(run)) {
            if (resumable.length < limit) resumable.push(run.runId);
          } else if (run.expiresAt <= now && expired.length < limit) {
            expired.push(run.runId);
          }
        }
        return { resumable, expired };
      });
    },
    ofThread(threadId) {
      return settle(() => {
        host.open();
        for (const runId of [...entries.keys()]) {
          const entry = state.live(runId);
          if (entry?.run.threadId === threadId && entry.resumedAt === undefined) return runId;
        }
        return undefined;
      });
    },
  };
}
