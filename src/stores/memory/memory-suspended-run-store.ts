import type { JsonValue, RunStatus, ThreadOwner } from '../../core/thread-store.js';
import { GatewayError, GatewayErrorCode } from '../../core/errors.js';
import type { SuspendedRun, SuspendedRunStore } from '../../core/suspended-run-store.js';

/** What the memory suspended-run store needs from its thread store. */
export interface MemorySuspendedRunHost {
  /** Throws `store_unavailable` once the store is closed. */
  open(): void;
  /** The status of a recorded run; undefined when it is not recorded. */
  runStatus(runId: string): RunStatus | undefined;
  /** Sets the status of a recorded run (ignored when the run is not recorded). */
  setRunStatus(runId: string, status: RunStatus): void;
  /** Whether the run is still recorded (a deleted thread takes its runs along). */
  hasRun(runId: string): boolean;
}

/** The one answer slot of a call: the first answer given, live or to the suspended run. */
interface KeptAnswer {
  answer: JsonValue;
  sessionId: string;
  /** The call's nonce, when the answer named it. */
  nonce?: string;
}

interface Entry {
  run: SuspendedRun;
  resumedAt?: number;
  claimedBy?: string;
  claimUntil?: number;
}

const sameOwner = (left: ThreadOwner, right: ThreadOwner): boolean =>
  left.apiKeyHash === right.apiKeyHash && left.user === right.user;

const settle = <Result>(work: () => Result): Promise<Result> => {
  try {
    return Promise.resolve(work());
  } catch (error) {
    return Promise.reject(error instanceof Error ? error : new Error(String(error)));
  }
};

/**
 * Suspended runs kept in the process, beside the memory thread store's runs (a run deleted with
 * its thread is forgotten here too). Honours the contract of `SuspendedRunStore`.
 */
// eslint-disable-next-line max-lines-per-function -- 223 lines (every method of SuspendedRunStore in one factory): to be split by concern
export function createMemorySuspendedRunStore(host: MemorySuspendedRunHost): SuspendedRunStore {
  const entries = new Map<string, Entry>();
  const kept = new Map<string, Map<string, KeptAnswer>>();
  /** The entry, unless its run was deleted meanwhile (then forgotten). */
  const live = (runId: string): Entry | undefined => {
    const entry = entries.get(runId);
    if (entry !== undefined && !host.hasRun(runId)) {
      entries.delete(runId);
      return undefined;
    }
    return entry;
  };
  const answered = (run: SuspendedRun): boolean => run.calls.every((call) => call.answer !== undefined);
  /** Gives the run's unanswered calls the answers kept for them (kept after it was suspended). */
  const applyKept = (run: SuspendedRun): void => {
    for (const call of run.calls) {
      const answer = kept.get(run.runId)?.get(call.toolCallId);
      if (call.answer !== undefined || answer === undefined) continue;
      if (answer.nonce !== undefined && answer.nonce !== call.nonce) continue;
      call.answer = structuredClone(answer.answer);
      call.answeredBySession = answer.sessionId;
    }
  };
  /** Takes the call's one answer slot: false when another answer has it. */
  const takeSlot = (runId: string, toolCallId: string, slot: KeptAnswer): boolean => {
    const answers = kept.get(runId) ?? new Map<string, KeptAnswer>();
    kept.set(runId, answers);
    const held = answers.get(toolCallId);
    // An answer kept for an earlier call of the same id (another nonce) gives way.
    const stale = held?.nonce !== undefined && slot.nonce !== undefined && held.nonce !== slot.nonce;
    if (held !== undefined && !stale) return false;
    answers.set(toolCallId, { ...slot, answer: structuredClone(slot.answer) });
    return true;
  };
  const unclaimed = (entry: Entry, now: number): boolean =>
    entry.resumedAt === undefined && (entry.claimUntil === undefined || entry.claimUntil <= now);

  return {
    suspend(run, limits, hold) {
      return settle(() => {
        host.open();
        const others = [...entries.keys()].filter((runId) => {
          const entry = live(runId);
          return (
            runId !== run.runId &&
            entry !== undefined &&
            entry.resumedAt === undefined &&
            sameOwner(entry.run.owner, run.owner)
          );
        });
        if (limits?.maxRunsOfOwner !== undefined && others.length >= limits.maxRunsOfOwner) {
          throw new GatewayError(
            GatewayErrorCode.LimitReached,
            `the owner has ${others.length} runs suspended (at most ${limits.maxRunsOfOwner})`,
          );
        }
        const copy = structuredClone(run);
        applyKept(copy);
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
        const entry = live(runId);
        if (entry === undefined || entry.claimedBy !== holder || entry.resumedAt !== undefined) return;
        delete entry.claimedBy;
        delete entry.claimUntil;
      });
    },
    keepAnswer(runId, toolCallId, answer, sessionId, nonce) {
      return settle(() => {
        host.open();
        if (!host.hasRun(runId)) return 'missing' as const;
        const slot = nonce === undefined ? { answer, sessionId } : { answer, sessionId, nonce };
        if (!takeSlot(runId, toolCallId, slot)) return 'already_answered' as const;
        const entry = live(runId);
        if (entry !== undefined) applyKept(entry.run);
        return 'kept' as const;
      });
    },
    keptAnswers(runId) {
      return settle(() => {
        host.open();
        if (!host.hasRun(runId)) kept.delete(runId);
        return new Map(
          [...(kept.get(runId)?.entries() ?? [])].map(([toolCallId, { answer }]) => [
            toolCallId,
            structuredClone(answer),
          ]),
        );
      });
    },
    findCall(owner, toolCallId, nonce) {
      return settle(() => {
        host.open();
        for (const runId of [...entries.keys()]) {
          const entry = live(runId);
          if (entry === undefined || !sameOwner(entry.run.owner, owner)) continue;
          const call = entry.run.calls.find((each) => each.toolCallId === toolCallId && each.nonce === nonce);
          if (call !== undefined)
            return { runId, call: structuredClone(call), expiresAt: entry.run.expiresAt };
        }
        return undefined;
      });
    },
    openCalls(owner, runId) {
      return settle(() => {
        host.open();
        const entry = live(runId);
        if (entry === undefined || entry.resumedAt !== undefined || !sameOwner(entry.run.owner, owner))
          return undefined;
        return entry.run.calls
          .filter((call) => call.answer === undefined)
          .map((call) => structuredClone(call));
      });
    },
    answer(runId, toolCallId, answer, sessionId) {
      return settle(() => {
        host.open();
        const entry = live(runId);
        const call = entry?.run.calls.find((each) => each.toolCallId === toolCallId);
        if (entry === undefined || call === undefined) return 'missing' as const;
        if (
          call.answer !== undefined ||
          !takeSlot(runId, toolCallId, { answer, sessionId, nonce: call.nonce })
        ) {
          applyKept(entry.run);
          return 'already_answered' as const;
        }
        call.answer = structuredClone(answer);
        call.answeredBySession = sessionId;
        return 'answered' as const;
      });
    },
    claim(runId, claimer, leaseMs, now) {
      return settle(() => {
        host.open();
        const entry = live(runId);
        if (entry === undefined || !unclaimed(entry, now)) return undefined;
        // A run that went on (answered as its suspension was written) is not resumed twice.
        if (host.runStatus(runId) !== 'suspended') return undefined;
        applyKept(entry.run);
        if (!answered(entry.run) && entry.run.expiresAt > now) return undefined;
        entry.claimedBy = claimer;
        entry.claimUntil = now + leaseMs;
        host.setRunStatus(runId, 'running');
        return structuredClone(entry.run);
      });
    },
    cancel(runId, now) {
      return settle(() => {
        host.open();
        const entry = live(runId);
        if (entry === undefined || !unclaimed(entry, now)) return false;
        if (host.runStatus(runId) !== 'suspended') return false;
        entries.delete(runId);
        host.setRunStatus(runId, 'cancelled');
        return true;
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
    due(now, limit) {
      return settle(() => {
        host.open();
        const resumable: string[] = [];
        const expired: string[] = [];
        const byAge = [...entries.keys()]
          .map((runId) => live(runId))
          .filter((entry): entry is Entry => entry !== undefined && unclaimed(entry, now))
          .sort((left, right) => left.run.suspendedAt - right.run.suspendedAt);
        for (const { run } of byAge) {
          applyKept(run);
          if (answered(run)) {
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
          const entry = live(runId);
          if (entry?.run.threadId === threadId && entry.resumedAt === undefined) return runId;
        }
        return undefined;
      });
    },
  };
}
