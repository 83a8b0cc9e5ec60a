import type { SuspendedRunStore } from '../../core/suspended-run-store.js';
import { sameOwner, settle, type MemorySuspensions } from './memory-suspensions.js';

/** The methods of `SuspendedRunStore` that find a suspended run's calls and answer them. */
export type MemorySuspendedCalls = Pick<
  SuspendedRunStore,
  'keepAnswer' | 'keptAnswers' | 'findCall' | 'pendingAnswers' | 'answer'
>;

/** Finding a suspended run's calls and answering them, in memory (each answer in its one slot). */
export function createMemorySuspendedCalls(state: MemorySuspensions): MemorySuspendedCalls {
  const { host, entries, kept } = state;
  return {
    keepAnswer(runId, toolCallId, answer, sessionId, nonce) {
      return settle(() => {
        host.open();
        if (!host.hasRun(runId)) return 'missing' as const;
        const slot = nonce === undefined ? { answer, sessionId } : { answer, sessionId, nonce };
        if (!state.takeSlot(runId, toolCallId, slot)) return 'already_answered' as const;
        const entry = state.live(runId);
        if (entry !== undefined) state.applyKept(entry.run);
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
          const entry = state.live(runId);
          if (entry === undefined || !sameOwner(entry.run.owner, owner)) continue;
          const call = entry.run.calls.find((each) => each.toolCallId === toolCallId && each.nonce === nonce);
          if (call !== undefined)
            return { runId, call: structuredClone(call), expiresAt: entry.run.expiresAt };
        }
        return undefined;
      });
    },
    pendingAnswers(owner, runId) {
      return settle(() => {
        host.open();
        const entry = state.live(runId);
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
        const entry = state.live(runId);
        const call = entry?.run.calls.find((each) => each.toolCallId === toolCallId);
        if (entry === undefined || call === undefined) return 'missing' as const;
        if (
          call.answer !== undefined ||
          !state.takeSlot(runId, toolCallId, { answer, sessionId, nonce: call.nonce })
        ) {
          state.applyKept(entry.run);
          return 'already_answered' as const;
        }
        call.answer = structuredClone(answer);
        call.answeredBySession = sessionId;
        return 'answered' as const;
      });
    },
  };
}
