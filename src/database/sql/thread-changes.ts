import type { HistoryTrust } from './history-trust.js';

/**
 * Runs `work`, which may change what a read of `threadId` answers (its history, owner or
 * suspended run); of any thread with `all`; of none another read could hold when undefined.
 */
export type ChangeThread = <Value>(
  threadId: string | null | undefined,
  work: () => Promise<Value>,
  all?: boolean,
) => Promise<Value>;

/** The `ChangeThread` of `trust`: a cached history is not trusted while its thread changes. */
export function changeThreadUnder(trust: HistoryTrust): ChangeThread {
  return async (threadId, work, all = false) => {
    if (!all && (threadId === undefined || threadId === null)) return work();
    const done = trust.beginChange(all ? undefined : (threadId ?? undefined));
    try {
      return await work();
    } finally {
      done();
    }
  };
}
