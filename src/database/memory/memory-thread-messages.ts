import type { Message } from '../../core/messages.js';
import type { SuspendedRunStore } from '../../core/suspended-run-store.js';
import type { ThreadStore } from '../../core/thread-store.js';
import { copy, settle, type MemoryThreadState } from './memory-thread-state.js';

/** The messages of a memory thread store's threads: loads, the turn a run reads, appends, truncation. */
export type MemoryMessageMethods = Pick<
  ThreadStore,
  'loadMessages' | 'loadThreadTurn' | 'appendMessages' | 'truncateMessages'
>;

/**
 * The message methods over the store's shared state. A truncation bumps the thread's
 * generation, so a run that read the thread before it no longer holds it.
 */
export function memoryMessageMethods(
  state: MemoryThreadState,
  suspendedRuns: SuspendedRunStore,
): MemoryMessageMethods {
  const { threads, open, ownThread, append } = state;
  return {
    loadMessages(owner, threadId) {
      return settle(() => {
        open();
        const entry = ownThread(owner, threadId);
        if (entry === undefined) return undefined;
        return [...entry.messages.values()].sort((left, right) => left.seq - right.seq).map(copy);
      });
    },

    async loadThreadTurn(owner, threadId) {
      const suspendedRunId = await suspendedRuns.ofThread(threadId);
      open();
      const entry = ownThread(owner, threadId);
      if (entry === undefined) return undefined;
      const messages = [...entry.messages.values()].sort((left, right) => left.seq - right.seq).map(copy);
      return { messages, epoch: entry.epoch, ...(suspendedRunId === undefined ? {} : { suspendedRunId }) };
    },

    appendMessages(threadId, runId, firstSeq, messages: readonly Message[]) {
      return settle(() => {
        open();
        // A thread deleted while its run went on keeps nothing of it.
        const entry = threads.get(threadId);
        if (entry !== undefined) append(entry, runId, firstSeq, messages);
      });
    },

    truncateMessages(owner, threadId, fromSeq) {
      return settle(() => {
        open();
        const entry = ownThread(owner, threadId);
        if (entry === undefined) return false;
        for (const seq of [...entry.messages.keys()]) if (seq >= fromSeq) entry.messages.delete(seq);
        entry.epoch += 1;
        return true;
      });
    },
  };
}
