import { randomBytes } from 'node:crypto';
import { expect, it } from 'vitest';
import type { Message } from '../../src/core/messages.js';
import {
  MESSAGES_NOT_WRITTEN,
  type RunRecordRow,
  type ThreadOwner,
  type ThreadStore,
} from '../../src/core/thread-store.js';
import { finishRunOf, loadThreadTurnOf } from '../../src/server/threads/thread-store-calls.js';

const hex = (bytes: number): string => randomBytes(bytes).toString('hex');
const say = (role: 'user' | 'assistant', content: string): Message => ({ role, content });
const contentsOf = (messages: ReadonlyArray<{ message: Message }> | undefined): unknown[] | undefined =>
  messages?.map((stored) => stored.message.content);

const endedRun = (id: string, threadId: string | null, owner: ThreadOwner): RunRecordRow => ({
  id,
  threadId,
  owner,
  model: 'claude-test',
  status: 'completed',
  outcomeCode: null,
  turns: 2,
  usage: null,
  estimatedCostUsd: null,
  startedAt: 1_000,
  endedAt: 2_000,
});

/**
 * Registers the behaviour of a thread's read for a run (`loadThreadTurn`, or its fallback) and
 * of a run's one-step end (`finishRun`, or its fallback), for the store `current` returns; with
 * `another`, a second store over the same storage (another process), what each sees of the
 * other's writes, whatever it cached.
 */
export function threadTurnContract(current: () => ThreadStore, another?: () => ThreadStore): void {
  it('reads a thread for a run: its history and its suspended run, for its owner only', async () => {
    const store = current();
    const owner = { apiKeyHash: hex(8), user: 'ada' };
    const thread = (await store.createThread(owner, {}))?.id ?? '';
    await store.appendMessages(thread, 'run_a', 0, [say('user', 'one'), say('assistant', 'two')]);
    const read = await loadThreadTurnOf(store, owner, thread);
    expect(contentsOf(read?.messages)).toEqual(['one', 'two']);
    expect(read?.suspendedRunId).toBeUndefined();
    expect(await loadThreadTurnOf(store, { apiKeyHash: owner.apiKeyHash }, thread)).toBeUndefined();
    expect(await loadThreadTurnOf(store, { apiKeyHash: hex(8), user: 'ada' }, thread)).toBeUndefined();
    // What one reader does to what it got back is not what the next one reads.
    const first = read?.messages[0];
    if (first !== undefined) {
      try {
        (first.message as { content: unknown }).content = 'changed';
      } catch {
        // Shared records are frozen; a copy may be changed: either way the store keeps its own.
      }
    }
    expect(contentsOf(await store.loadMessages(owner, thread))).toEqual(['one', 'two']);
  });

  it('finishes a run in one step: messages appended once, record completed, or created whole', async () => {
    const store = current();
    const owner = { apiKeyHash: hex(8) };
    const thread = (await store.createThread(owner, {}))?.id ?? '';
    const started = `run_${hex(6)}`;
    await store.recordRunStart({
      id: started,
      threadId: thread,
      owner,
      model: 'claude-test',
      startedAt: 1_000,
    });
    const append = { firstSeq: 0, messages: [say('user', 'q'), say('assistant', 'a')] };
    await finishRunOf(store, endedRun(started, thread, owner), append);
    // A repeated write (a retry, a takeover) changes nothing.
    await finishRunOf(store, endedRun(started, thread, owner), append);
    expect(contentsOf(await store.loadMessages(owner, thread))).toEqual(['q', 'a']);
    expect(await store.getRun(owner, started)).toMatchObject({
      status: 'completed',
      turns: 2,
      endedAt: 2_000,
    });
    const runs = await store.listRuns(owner, thread, { limit: 10 });
    expect(runs?.items.map((run) => run.id)).toEqual([started]);

    // Its start never written: the end writes the whole record.
    const unstarted = `run_${hex(6)}`;
    await finishRunOf(store, endedRun(unstarted, thread, owner), {
      firstSeq: 2,
      messages: [say('user', 'q2'), say('assistant', 'a2')],
    });
    expect(await store.getRun(owner, unstarted)).toMatchObject({
      threadId: thread,
      model: 'claude-test',
      status: 'completed',
      startedAt: 1_000,
    });
    expect(contentsOf(await store.loadMessages(owner, thread))).toEqual(['q', 'a', 'q2', 'a2']);

    // A run without a thread.
    const alone = `run_${hex(6)}`;
    await finishRunOf(store, endedRun(alone, null, owner), undefined);
    expect(await store.getRun(owner, alone)).toMatchObject({ threadId: null, status: 'completed' });
  });

  it('records a completed run whose places in the thread another run wrote first as failed, messages_not_written', async () => {
    const store = current();
    const owner = { apiKeyHash: hex(8) };
    const thread = (await store.createThread(owner, {}))?.id ?? '';
    const first = `run_${hex(6)}`;
    await finishRunOf(store, endedRun(first, thread, owner), {
      firstSeq: 0,
      messages: [say('user', 'q1'), say('assistant', 'a1')],
    });
    // Runs that read the thread before the first one wrote: one alone, then three at once
    // (a store that batches writes sends those in one statement).
    const late = Array.from({ length: 4 }, () => `run_${hex(6)}`);
    const lateEnd = (id: string, firstSeq: number) =>
      finishRunOf(store, endedRun(id, thread, owner), {
        firstSeq,
        messages: [say('user', `q of ${id}`), say('assistant', `a of ${id}`)],
      });
    await lateEnd(late[0] ?? '', 0);
    await Promise.all(late.slice(1).map((id, index) => lateEnd(id, index % 2)));
    expect(contentsOf(await store.loadMessages(owner, thread))?.slice(0, 2)).toEqual(['q1', 'a1']);
    expect(await store.getRun(owner, first)).toMatchObject({ status: 'completed', outcomeCode: null });
    for (const id of late) {
      expect(await store.getRun(owner, id)).toMatchObject({
        status: 'failed',
        outcomeCode: MESSAGES_NOT_WRITTEN,
      });
    }
    // A run repeating its own write (a takeover) is not refused by what it wrote itself.
    await finishRunOf(store, endedRun(first, thread, owner), {
      firstSeq: 0,
      messages: [say('user', 'q1'), say('assistant', 'a1')],
    });
    expect(await store.getRun(owner, first)).toMatchObject({ status: 'completed' });
  });

  it('lands a run’s writes only in the owner’s thread generation it read, and lists only the owner’s runs', async () => {
    const store = current();
    const first = { apiKeyHash: hex(8) };
    const second = { apiKeyHash: hex(8), user: 'ada' };
    const id = `chat-${hex(6)}`;
    await store.createThread(first, { id });
    const read = await loadThreadTurnOf(store, first, id);
    expect(read?.epoch).toEqual(expect.any(Number));
    const started = `run_${hex(6)}`;
    const start = { id: started, threadId: id, owner: first, model: 'claude-test', startedAt: 1_000 };
    await store.recordRunStart({ ...start, threadEpoch: read?.epoch });
    // The owner deletes the thread mid-run; another owner takes the same client-chosen id.
    expect(await store.deleteThread(first, id)).toBe(true);
    expect(await store.createThread(second, { id })).toMatchObject({ id });
    const late = {
      firstSeq: 0,
      messages: [say('user', 'injected'), say('assistant', 'from the first owner')],
    };
    await finishRunOf(store, { ...endedRun(started, id, first), threadEpoch: read?.epoch }, late);
    // A run that never had an epoch is held to the owner all the same.
    const unguarded = `run_${hex(6)}`;
    await store.recordRunStart({ ...start, id: unguarded });
    await finishRunOf(store, endedRun(unguarded, id, first), late);
    expect(await store.loadMessages(second, id)).toEqual([]);
    expect((await store.listRuns(second, id, { limit: 10 }))?.items).toEqual([]);
    expect(await store.getRun(second, started)).toBeUndefined();

    // The same owner deletes and re-creates the id: an older generation's run adds nothing.
    const mine = `chat-${hex(6)}`;
    await store.createThread(first, { id: mine });
    const old = await loadThreadTurnOf(store, first, mine);
    const oldRun = `run_${hex(6)}`;
    await store.recordRunStart({ ...start, id: oldRun, threadId: mine, threadEpoch: old?.epoch });
    await store.deleteThread(first, mine);
    await store.createThread(first, { id: mine });
    const renewed = await loadThreadTurnOf(store, first, mine);
    expect(renewed?.epoch).not.toBe(old?.epoch);
    await finishRunOf(store, { ...endedRun(oldRun, mine, first), threadEpoch: old?.epoch }, late);
    expect(await store.loadMessages(first, mine)).toEqual([]);
    expect((await store.listRuns(first, mine, { limit: 10 }))?.items).toEqual([]);

    // A truncation (a regenerated answer) is a new generation too; the run's record still ends,
    // and says that its messages were not written.
    const generation = await loadThreadTurnOf(store, first, mine);
    const before = `run_${hex(6)}`;
    await store.recordRunStart({ ...start, id: before, threadId: mine, threadEpoch: generation?.epoch });
    expect(await store.truncateMessages(first, mine, 0)).toBe(true);
    const truncated = await loadThreadTurnOf(store, first, mine);
    expect(truncated?.epoch).not.toBe(generation?.epoch);
    await finishRunOf(store, { ...endedRun(before, mine, first), threadEpoch: generation?.epoch }, late);
    expect(await store.loadMessages(first, mine)).toEqual([]);
    expect(await store.getRun(first, before)).toMatchObject({
      status: 'failed',
      outcomeCode: MESSAGES_NOT_WRITTEN,
    });
    // The generation it read takes the run's messages.
    const fresh = `run_${hex(6)}`;
    await finishRunOf(store, { ...endedRun(fresh, mine, first), threadEpoch: truncated?.epoch }, late);
    expect(contentsOf(await store.loadMessages(first, mine))).toEqual(['injected', 'from the first owner']);
  });

  if (another === undefined) return;

  it('reads what another process appended, truncated or re-created, whatever it had read before', async () => {
    const here = current();
    const there = another();
    const owner = { apiKeyHash: hex(8) };
    const id = `thr_shared_${hex(6)}`;
    await here.createThread(owner, { id });
    await here.appendMessages(id, 'run_1', 0, [say('user', 'u1'), say('assistant', 'a1')]);
    expect(contentsOf(await here.loadMessages(owner, id))).toEqual(['u1', 'a1']);

    await there.appendMessages(id, 'run_2', 2, [say('user', 'u2'), say('assistant', 'a2')]);
    expect(contentsOf(await here.loadMessages(owner, id))).toEqual(['u1', 'a1', 'u2', 'a2']);

    // Regenerated elsewhere: the answer after u2 replaced by another of the same length.
    expect(await there.truncateMessages(owner, id, 3)).toBe(true);
    await there.appendMessages(id, 'run_3', 3, [say('assistant', 'a2 again')]);
    expect(contentsOf((await loadThreadTurnOf(here, owner, id))?.messages)).toEqual([
      'u1',
      'a1',
      'u2',
      'a2 again',
    ]);

    // Deleted and created again under the same id, with as many messages as before.
    expect(await there.deleteThread(owner, id)).toBe(true);
    expect(await here.loadMessages(owner, id)).toBeUndefined();
    await here.loadMessages(owner, id);
    await there.createThread(owner, { id });
    await there.appendMessages(id, 'run_4', 0, [
      say('user', 'n1'),
      say('assistant', 'n2'),
      say('user', 'n3'),
      say('assistant', 'n4'),
    ]);
    expect(contentsOf(await here.loadMessages(owner, id))).toEqual(['n1', 'n2', 'n3', 'n4']);
    // And the owner check is made on every read, whatever was read before.
    expect(await here.loadMessages({ apiKeyHash: hex(8) }, id)).toBeUndefined();
  });

  it('keeps a run that ends after its thread was deleted out of the store', async () => {
    const here = current();
    const there = another();
    const owner = { apiKeyHash: hex(8) };
    const thread = (await here.createThread(owner, {}))?.id ?? '';
    const run = `run_${hex(6)}`;
    await there.deleteThread(owner, thread);
    await finishRunOf(here, endedRun(run, thread, owner), { firstSeq: 0, messages: [say('user', 'late')] });
    expect(await here.getRun(owner, run)).toBeUndefined();
    expect(await here.getThread(owner, thread)).toBeUndefined();
  });
}
