import { afterEach, describe, expect, it } from 'vitest';
import type { Message } from '../src/core/messages.js';
import type { ThreadOwner } from '../src/core/thread-store.js';
import { createSqlThreadStore, type SqlThreadStore } from '../src/database/sql/sql-thread-store.js';
import { createCleanupStack } from './helpers/cleanup-stack.js';
import { countingStore, openPgliteEngine } from './helpers/counting-sql-store.js';
import { threadStoreContract } from './helpers/thread-store-contract.js';

const cleanup = createCleanupStack();
afterEach(() => cleanup.run());

// The whole contract, with the cache answering reads (no second store: there is one writer).
threadStoreContract('embedded (PGlite), sole writer', async () => {
  const own = createCleanupStack();
  const engine = await openPgliteEngine(own);
  return { store: createSqlThreadStore(engine, { soleWriter: true }), close: () => own.run() };
});

const owner: ThreadOwner = { apiKeyHash: 'key', user: 'ada' };
const say = (text: string): Message[] => [
  { role: 'user', content: text },
  { role: 'assistant', content: `re: ${text}` },
];

/** A run of `threadId` read at `epoch` ends, adding `messages` at `firstSeq`. */
const finish = (
  store: SqlThreadStore,
  threadId: string,
  epoch: number | undefined,
  firstSeq: number,
  text: string,
) =>
  store.finishRun?.(
    {
      id: `run_${text}`,
      threadId,
      owner,
      model: 'm',
      status: 'completed',
      outcomeCode: null,
      turns: 1,
      usage: null,
      estimatedCostUsd: null,
      startedAt: 1,
      endedAt: 2,
      threadEpoch: epoch,
    },
    { firstSeq, messages: say(text) },
  );

/** Suspends the thread's first run (`run_one`), as a run that waits for an answer is. */
const suspendRunOne = async (store: SqlThreadStore, threadId: string): Promise<void> => {
  await store.suspendedRuns?.suspend({
    runId: 'run_one',
    owner,
    sessionId: 'sess_1',
    threadId,
    snapshot: {},
    calls: [],
    suspendedAt: 1,
    expiresAt: Date.now() + 60_000,
  });
};

/** A thread with one run's messages, read once (the read that the cache is trusted from). */
async function threadWithOneRun(
  store: SqlThreadStore,
): Promise<{ threadId: string; epoch: number | undefined }> {
  const thread = await store.createThread(owner, {});
  const threadId = thread?.id ?? '';
  const read = await store.loadThreadTurn?.(owner, threadId);
  await finish(store, threadId, read?.epoch, 0, 'one');
  return { threadId, epoch: read?.epoch };
}

describe('a sole writer’s thread reads', () => {
  it('answer a run’s read of a thread from the cache, with what the last run wrote, without a statement', async () => {
    const { store, engine, statements } = await countingStore(true, cleanup);
    const { threadId, epoch } = await threadWithOneRun(store);
    const before = statements();
    const read = await store.loadThreadTurn?.(owner, threadId);
    expect(statements()).toBe(before);
    expect(read?.epoch).toBe(epoch);
    expect(read?.suspendedRunId).toBeUndefined();
    expect(read?.messages.map((stored) => [stored.seq, stored.runId, stored.message])).toEqual([
      [0, 'run_one', { role: 'user', content: 'one' }],
      [1, 'run_one', { role: 'assistant', content: 're: one' }],
    ]);
    // The next run's messages join it the same way, and the database holds what the cache says.
    await finish(store, threadId, epoch, 2, 'two');
    const cached = await store.loadThreadTurn?.(owner, threadId);
    expect(statements()).toBe(before + 1);
    expect(cached?.messages).toHaveLength(4);
    expect(await createSqlThreadStore(engine).loadMessages(owner, threadId)).toEqual(cached?.messages);
  });

  it('ask the database when another owner reads, after a suspension, a truncation or a deletion', async () => {
    const { store, statements } = await countingStore(true, cleanup);
    const { threadId, epoch } = await threadWithOneRun(store);
    let before = statements();
    expect(await store.loadThreadTurn?.({ apiKeyHash: 'key', user: 'bob' }, threadId)).toBeUndefined();
    expect(statements()).toBe(before + 1);

    await store.loadThreadTurn?.(owner, threadId);
    await suspendRunOne(store, threadId);
    before = statements();
    expect((await store.loadThreadTurn?.(owner, threadId))?.suspendedRunId).toBe('run_one');
    expect(statements()).toBe(before + 1);

    expect(await store.truncateMessages(owner, threadId, 1)).toBe(true);
    const truncated = await store.loadThreadTurn?.(owner, threadId);
    expect(truncated?.messages).toHaveLength(1);
    expect(truncated?.epoch).not.toBe(epoch);

    expect(await store.deleteThread(owner, threadId)).toBe(true);
    expect(await store.loadThreadTurn?.(owner, threadId)).toBeUndefined();
  });

  it('do not trust a read that a run’s end overtook, nor an end written to another generation', async () => {
    const { store } = await countingStore(true, cleanup);
    const { threadId, epoch } = await threadWithOneRun(store);
    // The read and the end race: whichever lands first, the next read has both runs' messages.
    await Promise.all([store.loadThreadTurn?.(owner, threadId), finish(store, threadId, epoch, 2, 'two')]);
    expect((await store.loadThreadTurn?.(owner, threadId))?.messages).toHaveLength(4);
    // An end held to a generation the thread is no longer at writes nothing, and the cache agrees.
    await finish(store, threadId, (epoch ?? 0) + 1, 4, 'stale');
    expect((await store.loadThreadTurn?.(owner, threadId))?.messages).toHaveLength(4);
  });

  it('always ask the database without a sole writer', async () => {
    const { store, statements } = await countingStore(false, cleanup);
    const { threadId } = await threadWithOneRun(store);
    const before = statements();
    await store.loadThreadTurn?.(owner, threadId);
    expect(statements()).toBe(before + 1);
  });

  it('let a run read ahead the ends of earlier runs not yet committed, in order, without a statement', async () => {
    const { store, engine, statements } = await countingStore(true, cleanup);
    const { threadId, epoch } = await threadWithOneRun(store);
    const before = statements();
    // Two ends on their way (held for their statement): a run reading ahead sees both.
    const two = finish(store, threadId, epoch, 2, 'two');
    expect(store.loadThreadTurnAhead?.(owner, threadId)?.messages).toHaveLength(4);
    const three = finish(store, threadId, epoch, 4, 'three');
    const ahead = store.loadThreadTurnAhead?.(owner, threadId);
    expect(statements()).toBe(before);
    expect(ahead?.epoch).toBe(epoch);
    expect(ahead?.messages.map((stored) => [stored.seq, stored.runId])).toEqual([
      [0, 'run_one'],
      [1, 'run_one'],
      [2, 'run_two'],
      [3, 'run_two'],
      [4, 'run_three'],
      [5, 'run_three'],
    ]);
    // Another owner, or a read of what is stored, is not answered ahead.
    expect(store.loadThreadTurnAhead?.({ apiKeyHash: 'key', user: 'bob' }, threadId)).toBeUndefined();
    await Promise.all([two, three]);
    // Committed, the same history answers a read of what is stored, and the database agrees.
    const stored = await store.loadThreadTurn?.(owner, threadId);
    expect(stored?.messages).toEqual(ahead?.messages);
    expect(await createSqlThreadStore(engine).loadMessages(owner, threadId)).toEqual(ahead?.messages);
  });

  it('never answer a read of what is stored with an end not committed', async () => {
    const { store, failEnds } = await countingStore(true, cleanup);
    const { threadId, epoch } = await threadWithOneRun(store);
    failEnds(1);
    const two = finish(store, threadId, epoch, 2, 'two');
    expect(store.loadThreadTurnAhead?.(owner, threadId)?.messages).toHaveLength(4);
    // Asked while the end is on its way (it fails), the database answers: one run's messages.
    expect(await store.loadMessages(owner, threadId)).toHaveLength(2);
    await expect(two).rejects.toThrow(/unavailable/);
  });

  it('drop what was read ahead once an end fails, and the ends that followed it', async () => {
    const { store, failEnds } = await countingStore(true, cleanup);
    const { threadId, epoch } = await threadWithOneRun(store);
    failEnds(1);
    // Both ends share the failing statement.
    const two = finish(store, threadId, epoch, 2, 'two');
    const three = finish(store, threadId, epoch, 4, 'three');
    expect(store.loadThreadTurnAhead?.(owner, threadId)?.messages).toHaveLength(6);
    await expect(two).rejects.toThrow(/unavailable/);
    await expect(three).rejects.toThrow(/unavailable/);
    expect(store.loadThreadTurnAhead?.(owner, threadId)).toBeUndefined();
    expect((await store.loadThreadTurn?.(owner, threadId))?.messages).toHaveLength(2);
    // Retried in the other order, each end lands in its own positions.
    await finish(store, threadId, epoch, 4, 'three');
    await finish(store, threadId, epoch, 2, 'two');
    const read = await store.loadThreadTurn?.(owner, threadId);
    expect(read?.messages.map((stored) => stored.runId)).toEqual([
      'run_one',
      'run_one',
      'run_two',
      'run_two',
      'run_three',
      'run_three',
    ]);
  });

  it('stop reading ahead when the thread changes while an end is on its way', async () => {
    const { store } = await countingStore(true, cleanup);
    const { threadId, epoch } = await threadWithOneRun(store);
    const two = finish(store, threadId, epoch, 2, 'two');
    expect(store.loadThreadTurnAhead?.(owner, threadId)).toBeDefined();
    await suspendRunOne(store, threadId);
    expect(store.loadThreadTurnAhead?.(owner, threadId)).toBeUndefined();
    await two;
    expect(store.loadThreadTurnAhead?.(owner, threadId)).toBeUndefined();
    const read = await store.loadThreadTurn?.(owner, threadId);
    expect(read?.suspendedRunId).toBe('run_one');
    expect(read?.messages).toHaveLength(4);
  });
});
