import type { SuspendedRunStore } from '../../core/suspended-run-store.js';
import { settle, type MemorySuspensions } from './memory-suspensions.js';

/** The methods of `SuspendedRunStore` that claim an approved call's execution and keep its outcome. */
export type MemoryExecutionClaims = Pick<
  SuspendedRunStore,
  'claimExecution' | 'recordExecution' | 'executionOf'
>;

/**
 * The execution claim of an approved call, in memory: held in the call's answer slot, so that a
 * slot taken again for another nonce starts unclaimed (see `SuspendedRunStore.claimExecution`).
 */
export function createMemoryExecutionClaims(state: MemorySuspensions): MemoryExecutionClaims {
  const { host, kept } = state;
  const slotOf = (runId: string, toolCallId: string) => kept.get(runId)?.get(toolCallId);
  return {
    claimExecution(runId, toolCallId, claimer) {
      return settle(() => {
        host.open();
        const slot = host.hasRun(runId) ? slotOf(runId, toolCallId) : undefined;
        if (slot === undefined) return 'unkept' as const;
        if (slot.executedBy !== undefined) return 'taken' as const;
        slot.executedBy = claimer;
        return 'claimed' as const;
      });
    },
    recordExecution(runId, toolCallId, claimer, outcome) {
      return settle(() => {
        host.open();
        const slot = slotOf(runId, toolCallId);
        if (slot?.executedBy === claimer) slot.execution = structuredClone(outcome);
      });
    },
    executionOf(runId, toolCallId) {
      return settle(() => {
        host.open();
        const slot = slotOf(runId, toolCallId);
        if (slot?.executedBy === undefined) return undefined;
        return slot.execution === undefined
          ? { claimer: slot.executedBy }
          : { claimer: slot.executedBy, outcome: structuredClone(slot.execution) };
      });
    },
  };
}
