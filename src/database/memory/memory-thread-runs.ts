import { MESSAGES_NOT_WRITTEN, type ThreadStore } from '../../core/thread-store.js';
import { RunIdInUseError } from '../../core/run-id-in-use-error.js';
import { pageOf } from './memory-page.js';
import { copy, sameOwner, settle, type MemoryThreadState } from './memory-thread-state.js';

/** The run records of a memory thread store: starts, ends, pages of a thread's runs, approvals. */
export type MemoryRunMethods = Pick<
  ThreadStore,
  'recordRunStart' | 'finishRun' | 'recordRunEnd' | 'getRun' | 'listRuns' | 'recordApproval' | 'listApprovals'
>;

/**
 * The run methods over the store's shared state. A run writes into its thread only while it
 * still holds it (same owner, same generation); see `MemoryThreadState.holdsThread`.
 */
export function memoryRunMethods(state: MemoryThreadState): MemoryRunMethods {
  const { threads, runs, open, ownThread, ownRun, holdsThread, append, startRun } = state;
  return {
    recordRunStart(run) {
      return settle(() => {
        open();
        const there = runs.get(run.id)?.row;
        if (there === undefined) {
          if (holdsThread(run)) startRun(run);
          return;
        }
        // Another run's record under this id: refused, and left as it was.
        const same =
          sameOwner(there.owner, run.owner) &&
          there.threadId === run.threadId &&
          there.startedAt === run.startedAt;
        if (!same) throw new RunIdInUseError(run.id);
      });
    },

    finishRun(run, added) {
      return settle(() => {
        open();
        const held = holdsThread(run);
        const thread = run.threadId === null ? undefined : threads.get(run.threadId);
        const adds = added !== undefined && added.messages.length > 0 && run.threadId !== null;
        // Places of the thread another run wrote first: this run's messages cannot go there.
        const taken =
          adds &&
          thread !== undefined &&
          added.messages.some((_message, index) => {
            const there = thread.messages.get(added.firstSeq + index);
            return there !== undefined && there.runId !== run.id;
          });
        if (held && thread !== undefined && added !== undefined) {
          append(thread, run.id, added.firstSeq, added.messages);
        }
        // A record its start wrote is completed; a new one only in a thread the run still holds.
        if (!runs.has(run.id) && held) startRun(run);
        // Another owner's record under the same id (a run id repeated) is never this run's.
        const entry = ownRun(run.owner, run.id);
        const { turns, usage, estimatedCostUsd, endedAt } = run;
        const unwritten = adds && run.status === 'completed' && (!held || taken);
        const status = unwritten ? 'failed' : run.status;
        const outcomeCode = unwritten ? MESSAGES_NOT_WRITTEN : run.outcomeCode;
        if (entry !== undefined) {
          entry.row = {
            ...entry.row,
            ...copy({ status, outcomeCode, turns, usage, estimatedCostUsd, endedAt }),
          };
        }
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
        const own = [...runs.values()].filter(
          (entry) => entry.row.threadId === threadId && sameOwner(entry.row.owner, owner),
        );
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
