import type { Message } from '../../core/messages.js';
import type { DatabaseStores } from '../../core/database-stores.js';
import { databaseStoresOf } from '../../agent-spec/database-stores-of.js';
import type {
  RunRecordRow,
  RunThreadGuard,
  ThreadOwner,
  ThreadStore,
  ThreadTurnRead,
} from '../../core/thread-store.js';

/**
 * The thread a run continues, in one read when the thread store offers `loadThreadTurn`, else
 * with `loadMessages` and the database's `suspendedRuns.ofThread` side by side.
 */
export async function loadThreadTurnOf(
  given: DatabaseStores | ThreadStore,
  owner: ThreadOwner,
  threadId: string,
): Promise<ThreadTurnRead | undefined> {
  const database = databaseStoresOf(given);
  const store = database.threads;
  if (store.loadThreadTurn !== undefined) return store.loadThreadTurn(owner, threadId);
  const [messages, suspendedRunId] = await Promise.all([
    store.loadMessages(owner, threadId),
    database.suspendedRuns?.ofThread(threadId),
  ]);
  if (messages === undefined) return undefined;
  return { messages, ...(suspendedRunId === undefined ? {} : { suspendedRunId }) };
}

/**
 * A run's end and its thread's new messages, in one write when the store offers `finishRun`,
 * else as its start (kept when written already), its messages, then its end. Without
 * `finishRun`, the messages go only into a thread the run's owner still holds (read just
 * before: a store without `finishRun` cannot make the check and the write one step).
 */
export function finishRunOf(
  store: ThreadStore,
  run: RunRecordRow & RunThreadGuard,
  append: { firstSeq: number; messages: readonly Message[] } | undefined,
): Promise<void> {
  // Once per chat: the store's own call, without an async frame around it.
  if (store.finishRun !== undefined) return store.finishRun(run, append);
  return finishRunInSteps(store, run, append);
}

/** `finishRunOf` for a store without `finishRun`. */
async function finishRunInSteps(
  store: ThreadStore,
  run: RunRecordRow & RunThreadGuard,
  append: { firstSeq: number; messages: readonly Message[] } | undefined,
): Promise<void> {
  const { status, outcomeCode, turns, usage, estimatedCostUsd, endedAt, ...start } = run;
  await store.recordRunStart(start);
  if (
    append !== undefined &&
    append.messages.length > 0 &&
    run.threadId !== null &&
    (await store.getThread(run.owner, run.threadId)) !== undefined
  ) {
    await store.appendMessages(run.threadId, run.id, append.firstSeq, append.messages);
  }
  await store.recordRunEnd(run.id, { status, outcomeCode, turns, usage, estimatedCostUsd, endedAt });
}
