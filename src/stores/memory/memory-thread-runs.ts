import type { ThreadStore } from '../../core/thread-store.js';
import { copy, ownerCopy, pageOf, settle, type MemoryThreadState } from './memory-thread-state.js';

/** The run records of a memory thread store: starts, ends, pages of a thread's runs, approvals. */
export type MemoryRunMethods = Pick<
  ThreadStore,
  'recordRunStart' | 'recordRunEnd' | 'getRun' | 'listRuns' | 'recordApproval' | 'listApprovals'
>;

/** The run methods over the store's shared state. */
export function memoryRunMethods(state: MemoryThreadState): MemoryRunMethods {
  const { runs, open, ownThread, ownRun } = state;
  return {
    recordRunStart(run) {
      return settle(() => {
        open();
        if (runs.has(run.id)) return;
        runs.set(run.id, {
          row: {
            ...copy(run),
            owner: ownerCopy(run.owner),
            status: 'running',
            outcomeCode: null,
            turns: 0,
            usage: null,
            estimatedCostUsd: null,
            endedAt: null,
          },
          approvals: [],
        });
      });
    },

    recordRunEnd(runId, end) {
      return settle(() => {
        open();
        const entry = runs.get(runId);
        if (entry === undefined) return;
        entry.row = { ...entry.row, ...copy(end) };
      });
    },

    getRun(owner, runId) {
      return settle(() => {
        open();
        const entry = ownRun(owner, runId);
        return entry === undefined ? undefined : copy(entry.row);
      });
    },

    listRuns(owner, threadId, page) {
      return settle(() => {
        open();
        if (ownThread(owner, threadId) === undefined) return undefined;
        const own = [...runs.values()].filter((entry) => entry.row.threadId === threadId);
        const result = pageOf(own, (entry) => ({ at: entry.row.startedAt, id: entry.row.id }), page);
        return {
          items: result.items.map((entry) => copy(entry.row)),
          ...(result.nextCursor === undefined ? {} : { nextCursor: result.nextCursor }),
        };
      });
    },

    recordApproval(decision) {
      return settle(() => {
        open();
        const approvals = runs.get(decision.runId)?.approvals;
        // Once each: a decision recorded again (a retried write) keeps the first.
        if (approvals !== undefined && !approvals.some((known) => known.toolCallId === decision.toolCallId)) {
          approvals.push(copy(decision));
        }
      });
    },

    listApprovals(owner, runId) {
      return settle(() => {
        open();
        const entry = ownRun(owner, runId);
        return entry === undefined ? undefined : entry.approvals.map(copy);
      });
    },
  };
}
