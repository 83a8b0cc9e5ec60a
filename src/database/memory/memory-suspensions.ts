import type { JsonValue, RunStatus, ThreadOwner } from '../../core/thread-store.js';
import type { SuspendedRun } from '../../core/suspended-run-store.js';
import { ChurnMap } from '../../core/churn-map.js';

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
export interface KeptAnswer {
  answer: JsonValue;
  sessionId: string;
  /** The call's nonce, when the answer named it. */
  nonce?: string;
  /** Who claimed the approved call's execution (`claimExecution`), once claimed. */
  executedBy?: string;
  /** The execution's outcome, once its claimer recorded it. */
  execution?: JsonValue;
}

/** A suspended run held in memory, with its resumption and claim. */
export interface SuspensionEntry {
  run: SuspendedRun;
  resumedAt?: number;
  claimedBy?: string;
  claimUntil?: number;
}

/** The suspended runs and kept answers of a memory store, and the rules every method reads them by. */
export interface MemorySuspensions {
  readonly host: MemorySuspendedRunHost;
  /** Suspended runs by run id. */
  readonly entries: Map<string, SuspensionEntry>;
  /** Kept answers by run id, then by call id. */
  readonly kept: Map<string, Map<string, KeptAnswer>>;
  /** The entry, unless its run was deleted meanwhile (then forgotten). */
  live(runId: string): SuspensionEntry | undefined;
  /** Gives the run's unanswered calls the answers kept for them (kept after it was suspended). */
  applyKept(run: SuspendedRun): void;
  /** Takes the call's one answer slot: false when another answer has it. */
  takeSlot(runId: string, toolCallId: string, slot: KeptAnswer): boolean;
}

/** Whether two owners are the same key and end user. */
export const sameOwner = (left: ThreadOwner, right: ThreadOwner): boolean =>
  left.apiKeyHash === right.apiKeyHash && left.user === right.user;

/** Whether every call of the run has its answer. */
export const allAnswered = (run: SuspendedRun): boolean =>
  run.calls.every((call) => call.answer !== undefined);

/** Whether the entry is neither resumed nor under a live claim at `now`. */
export const unclaimed = (entry: SuspensionEntry, now: number): boolean =>
  entry.resumedAt === undefined && (entry.claimUntil === undefined || entry.claimUntil <= now);

/** `work`'s result as a promise, its throw as a rejection (every method is asynchronous). */
export const settle = <Result>(work: () => Result): Promise<Result> => {
  try {
    return Promise.resolve(work());
  } catch (error) {
    return Promise.reject(error instanceof Error ? error : new Error(String(error)));
  }
};

/** Empty suspensions beside `host`'s runs. */
export function createMemorySuspensions(host: MemorySuspendedRunHost): MemorySuspensions {
  const entries = new ChurnMap<string, SuspensionEntry>();
  const kept = new ChurnMap<string, Map<string, KeptAnswer>>();
  return {
    host,
    entries,
    kept,
    live(runId) {
      const entry = entries.get(runId);
      if (entry !== undefined && !host.hasRun(runId)) {
        entries.delete(runId);
        return undefined;
      }
      return entry;
    },
    applyKept(run) {
      for (const call of run.calls) {
        const answer = kept.get(run.runId)?.get(call.toolCallId);
        if (call.answer !== undefined || answer === undefined) continue;
        if (answer.nonce !== undefined && answer.nonce !== call.nonce) continue;
        call.answer = structuredClone(answer.answer);
        call.answeredBySession = answer.sessionId;
      }
    },
    takeSlot(runId, toolCallId, slot) {
      const answers = kept.get(runId) ?? new Map<string, KeptAnswer>();
      kept.set(runId, answers);
      const held = answers.get(toolCallId);
      // An answer kept for an earlier call of the same id (another nonce) gives way.
      const stale = held?.nonce !== undefined && slot.nonce !== undefined && held.nonce !== slot.nonce;
      if (held !== undefined && !stale) return false;
      answers.set(toolCallId, { ...slot, answer: structuredClone(slot.answer) });
      return true;
    },
  };
}
