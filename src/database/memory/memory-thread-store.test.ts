import { describe, expect, it } from 'vitest';
import { createMemoryThreadStore } from './memory-thread-store.js';

const alice = { apiKeyHash: 'k1', user: 'alice' };
const bob = { apiKeyHash: 'k1', user: 'bob' };
const key = { apiKeyHash: 'k1' };

describe('createMemoryThreadStore', () => {
  it('treats another owner’s thread exactly like a missing one', async () => {
    const store = createMemoryThreadStore();
    const thread = await store.createThread(alice, { title: 'mine' });
    if (thread === undefined) throw new Error('not created');
    for (const other of [bob, key]) {
      expect(await store.getThread(other, thread.id)).toBeUndefined();
      expect(await store.updateThread(other, thread.id, { title: 'x' })).toBeUndefined();
      expect(await store.deleteThread(other, thread.id)).toBe(false);
      expect(await store.loadMessages(other, thread.id)).toBeUndefined();
      expect((await store.listThreads(other, { limit: 10 })).items).toEqual([]);
    }
    expect(await store.createThread(bob, { id: thread.id })).toBeUndefined();
  });

  it('appends idempotently by sequence: a repeated turn keeps what was written first', async () => {
    const store = createMemoryThreadStore();
    await store.createThread(alice, { id: 'thr_a' });
    await store.appendMessages('thr_a', 'run_1', 0, [
      { role: 'user', content: 'hi' },
      { role: 'assistant', content: 'hello' },
    ]);
    await store.appendMessages('thr_a', 'run_2', 1, [
      { role: 'assistant', content: 'HELLO' },
      { role: 'user', content: 'bye' },
    ]);
    const messages = await store.loadMessages(alice, 'thr_a');
    expect(messages?.map((stored) => [stored.seq, stored.runId, stored.message.content])).toEqual([
      [0, 'run_1', 'hi'],
      [1, 'run_1', 'hello'],
      [2, 'run_2', 'bye'],
    ]);
  });

  it('pages newest first and refuses a cursor it did not write', async () => {
    let clock = 1_000;
    const store = createMemoryThreadStore({ now: () => clock });
    const ids: string[] = [];
    for (let index = 0; index < 5; index += 1) {
      clock += 1;
      ids.push((await store.createThread(key, {}))?.id ?? '');
    }
    const first = await store.listThreads(key, { limit: 3 });
    const second = await store.listThreads(key, {
      limit: 3,
      ...(first.nextCursor === undefined ? {} : { cursor: first.nextCursor }),
    });
    expect([...first.items, ...second.items].map((thread) => thread.id)).toEqual([...ids].reverse());
    expect(second.nextCursor).toBeUndefined();
    await expect(store.listThreads(key, { limit: 3, cursor: 'garbage' })).rejects.toMatchObject({
      code: 'invalid_option',
    });
  });

  it('deletes a thread with its messages, runs and approvals', async () => {
    const store = createMemoryThreadStore();
    await store.createThread(alice, { id: 'thr_d' });
    await store.appendMessages('thr_d', 'run_d', 0, [{ role: 'user', content: 'secret' }]);
    await store.recordRunStart({ id: 'run_d', threadId: 'thr_d', owner: alice, model: 'm', startedAt: 1 });
    await store.recordApproval({
      runId: 'run_d',
      toolCallId: 't',
      toolName: 'x',
      inputHash: 'h',
      decision: 'denied',
      alwaysAllow: false,
      answeredBy: { ...alice, sessionId: 's' },
      answeredAt: 2,
    });
    expect(await store.deleteThread(alice, 'thr_d')).toBe(true);
    expect(await store.getRun(alice, 'run_d')).toBeUndefined();
    expect(await store.listApprovals(alice, 'run_d')).toBeUndefined();
    expect(await store.createThread(alice, { id: 'thr_d' })).toMatchObject({ id: 'thr_d' });
    expect(await store.loadMessages(alice, 'thr_d')).toEqual([]);
  });

  it('hands out copies and fails with store_unavailable once closed', async () => {
    const store = createMemoryThreadStore();
    const thread = await store.createThread(key, { metadata: { a: 1 } });
    if (thread === undefined) throw new Error('not created');
    thread.metadata['a'] = 2;
    expect((await store.getThread(key, thread.id))?.metadata).toEqual({ a: 1 });
    await store.close();
    await store.close();
    await expect(store.getThread(key, thread.id)).rejects.toMatchObject({ code: 'store_unavailable' });
  });
});
