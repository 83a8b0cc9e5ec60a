import { GatewayError, GatewayErrorCode } from '../../core/errors.js';
import type { SuspendedRunStore } from '../../core/suspended-run-store.js';
import { settle, type MemorySuspensions } from './memory-suspensions.js';
import { sharesCapsWith } from '../../core/cap-owner.js';

/** The methods of `SuspendedRunStore` that write, hold and forget a suspended run. */
export type MemorySuspendedRunWrites = Pick<
  SuspendedRunStore,
  'suspend' | 'release' | 'markResumed' | 'purgeResumed' | 'remove'
>;

/** Writing a suspended run, releasing its hold, marking it resumed and forgetting it, in memory. */
export function createMemorySuspendedRunWrites(state: MemorySuspensions): MemorySuspendedRunWrites {
  const { host, entries } = state;
  return {
    suspend(run, limits, hold) {
      return settle(() => {
        host.open();
        const others = [...entries.keys()].filter((runId) => {
          const entry = state.live(runId);
          return (
            runId !== run.runId &&
            entry !== undefined &&
            entry.resumedAt === undefined &&
            // The cap's owner: anonymous sessions of a key count together.
            sharesCapsWith(entry.run.owner, run.owner)
          );
        });
        if (limits?.maxRunsOfOwner !== undefined && others.length >= limits.maxRunsOfOwner) {
          throw new GatewayError(
            GatewayErrorCode.LimitReached,
            `the owner has ${others.length} runs suspended (at most ${limits.maxRunsOfOwner})`,
          );
        }
        const copy = structuredClone(run);
        state.applyKept(copy);
        entries.set(
          run.runId,
          hold === undefined ? { run: copy } : { run: copy, claimedBy: hold.holder, claimUntil: hold.until },
        );
        host.setRunStatus(run.runId, 'suspended');
      });
    },
    release(runId, holder) {
      return settle(() => {
        host.open();
        const entry = state.live(runId);
        if (entry === undefined || entry.claimedBy !== holder || entry.resumedAt !== undefined) return;
        delete entry.claimedBy;
        delete entry.claimUntil;
      });
    },
    markResumed(runId, now) {
      return settle(() => {
        host.open();
        const entry = entries.get(runId);
        if (entry !== undefined) entry.resumedAt ??= now;
      });
    },
    purgeResumed(now) {
      return settle(() => {
        host.open();
        let purged = 0;
        for (const [runId, entry] of entries) {
          if (entry.resumedAt !== undefined && entry.run.expiresAt < now) {
            entries.delete(runId);
            purged += 1;
          }
        }
        return purged;
      });
    },
    remove(runId) {
      return settle(() => {
        host.open();
        entries.delete(runId);
      });
    },
  };
}
