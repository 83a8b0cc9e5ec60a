import type { SuspendedRunStore } from '../../core/suspended-run-store.js';
import { createMemoryExecutionClaims } from './memory-execution-claims.js';
import { createMemorySuspendedCalls } from './memory-suspended-calls.js';
import { createMemorySuspendedRunResumption } from './memory-suspended-run-resumption.js';
import { createMemorySuspendedRunWrites } from './memory-suspended-run-writes.js';
import { createMemorySuspensions, type MemorySuspendedRunHost } from './memory-suspensions.js';

/**
 * Suspended runs kept in the process, beside the memory thread store's runs (a run deleted with
 * its thread is forgotten here too). Honours the contract of `SuspendedRunStore`. Composed of its
 * writes (`memory-suspended-run-writes.ts`), its calls' answers (`memory-suspended-calls.ts`),
 * its resumption (`memory-suspended-run-resumption.ts`) and the execution claims of approved
 * calls (`memory-execution-claims.ts`), over one state (`memory-suspensions.ts`).
 */
export function createMemorySuspendedRunStore(host: MemorySuspendedRunHost): SuspendedRunStore {
  const state = createMemorySuspensions(host);
  return {
    ...createMemorySuspendedRunWrites(state),
    ...createMemorySuspendedCalls(state),
    ...createMemorySuspendedRunResumption(state),
    ...createMemoryExecutionClaims(state),
  };
}
