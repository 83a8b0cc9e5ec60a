import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Message } from '../../src/core/messages.js';
import { THREAD_LIMITS } from '../../src/core/thread-limits.js';
import type { ThreadOwner, ThreadRecord, ThreadStore } from '../../src/core/thread-store.js';
import { suspendedRunContract } from './suspended-run-store-contract.js';
import { threadTurnContract } from './thread-turn-contract.js';

/** A store opened for the contract suite, with what only some stores can tell. */
export interface ThreadStoreUnderTest {
  store: ThreadStore;
  /**
   * How many rows anywhere still mention `threadId` or one of `runIds` (messages, runs,
   * approvals), read from the storage itself rather than through the store; omit when the store
   * has no storage to read.
   */
  rowsLeft?(threadId: string, runIds: readonly string[]): Promise<number>;
  /** A second store over the same storage, as another process opens it (SQL stores). */
  another?: ThreadStore;
  close(): Promise<void>;
}

const owner = (user?: string): ThreadOwner => {
  const apiKeyHash = randomBytes(8).toString('hex');
  return user === undefined ? { apiKeyHash } : { apiKeyHash, user };
};
const text = (role: 'user' | 'assistant', content: string): Message => ({ role, content });
const usage = {
  input_tokens: 100,
  output_tokens: 20,
  cache_creation_input_tokens: 0,
  cache_read_input_tokens: 5,
  estimated_cost: 0.0012,
};
const runId = (): string => `run_${randomBytes(8).toString('hex')}`;

const newestFirst = (a: ThreadRecord, b: ThreadRecord): number =>
  b.updatedAt - a.updatedAt || (b.id < a.id ? -1 : b.id > a.id ? 1 : 0);

/**
 * Registers the behaviour every `ThreadStore` must have, for the store `open` resolves (opened
 * once for the suite; each test uses owners of its own).
 */
export function threadStoreContract(
  name: string,
  open: () => Promise<ThreadStoreUnderTest>,
  options: { sharedStorage?: boolean } = {},
): void {
  describe(`ThreadStore contract: ${name}`, () => {
    let subject: ThreadStoreUnderTest;
    let store: ThreadStore;
    beforeAll(async () => {
      subject = await open();
      store = subject.store;
    });
    afterAll(async () => {
      await subject?.close();
    });

    suspendedRunContract(() => store);
    threadTurnContract(
      () => store,
      options.sharedStorage === true
        ? () => {
            if (subject.another === undefined) throw new Error(`${name}: no second store to test with`);
            return subject.another;
          }
        : undefined,
    );

    it('creates a thread with an unguessable id, reads, updates and deletes it', async () => {
      const me = owner();
      const created = await store.createThread(me, { title: 'Trip', metadata: { tag: 'x' } });
      expect(created).toMatchObject({ owner: me, title: 'Trip', metadata: { tag: 'x' } });
      expect(created?.id).toMatch(/^thr_[0-9a-f]{32}$/);
      const id = created?.id ?? '';
      expect(await store.getThread(me, id)).toEqual(created);
      const renamed = await store.updateThread(me, id, { title: 'Trip to Lyon' });
      expect(renamed).toMatchObject({ title: 'Trip to Lyon', metadata: { tag: 'x' } });
      expect(renamed?.updatedAt).toBeGreaterThanOrEqual(created?.updatedAt ?? 0);
      const retagged = await store.updateThread(me, id, { metadata: { tag: 'y' }, title: null });
      expect(retagged).toMatchObject({ title: null, metadata: { tag: 'y' } });
      expect(await store.deleteThread(me, id)).toBe(true);
      expect(await store.getThread(me, id)).toBeUndefined();
      expect(await store.deleteThread(me, id)).toBe(false);
    });

    it('creates a thread under a client-chosen id once; the id taken by anyone resolves undefined', async () => {
      const me = owner();
      const id = `chat-${randomBytes(6).toString('hex')}`;
      expect(await store.createThread(me, { id })).toMatchObject({ id, title: null, metadata: {} });
      expect(await store.createThread(me, { id })).toBeUndefined();
      expect(await store.createThread(owner(), { id })).toBeUndefined();
    });

    it('creates at most maxThreadsOfOwner threads for one owner, and more once one is deleted', async () => {
      const me = owner('ada');
      const limit = { maxThreadsOfOwner: 2 };
      const first = await store.createThread(me, { ...limit, title: 'one' });
      await store.createThread(me, { ...limit, id: `chat-${randomBytes(6).toString('hex')}` });
      await expect(store.createThread(me, { ...limit })).rejects.toMatchObject({ code: 'limit_reached' });
      await expect(
        store.createThread(me, { ...limit, id: `chat-${randomBytes(6).toString('hex')}` }),
      ).rejects.toMatchObject({ code: 'limit_reached' });
      // An id taken is still reported as taken, whatever the owner's count.
      expect(await store.createThread(owner(), { ...limit, id: first?.id ?? '' })).toBeUndefined();
      // The same key's other user, and the key itself, are other owners.
      expect(await store.createThread({ apiKeyHash: me.apiKeyHash }, limit)).toBeDefined();
      expect((await store.listThreads(me, { limit: 10 })).items).toHaveLength(2);
      await store.deleteThread(me, first?.id ?? '');
      expect(await store.createThread(me, limit)).toBeDefined();
    });

    it('shows another key or another user of the same key nothing of a thread', async () => {
      const me = owner('alice');
      const otherUser: ThreadOwner = { apiKeyHash: me.apiKeyHash, user: 'bob' };
      const keyItself: ThreadOwner = { apiKeyHash: me.apiKeyHash };
      const otherKey: ThreadOwner = { apiKeyHash: randomBytes(8).toString('hex'), user: 'alice' };
      const thread = await store.createThread(me, { title: 'mine' });
      const id = thread?.id ?? '';
      const run = runId();
      await store.appendMessages(id, run, 0, [text('user', 'secret')]);
      await store.recordRunStart({ id: run, threadId: id, owner: me, model: 'm', startedAt: Date.now() });
      for (const stranger of [otherUser, keyItself, otherKey]) {
        expect(await store.getThread(stranger, id)).toBeUndefined();
        expect(await store.loadMessages(stranger, id)).toBeUndefined();
        expect(await store.updateThread(stranger, id, { title: 'taken' })).toBeUndefined();
        expect(await store.deleteThread(stranger, id)).toBe(false);
        expect((await store.listThreads(stranger, { limit: 50 })).items).toEqual([]);
        expect(await store.listRuns(stranger, id, { limit: 50 })).toBeUndefined();
        expect(await store.getRun(stranger, run)).toBeUndefined();
        expect(await store.listApprovals(stranger, run)).toBeUndefined();
      }
      expect(await store.getThread(me, id)).toMatchObject({ title: 'mine' });
      expect(await store.loadMessages(me, id)).toHaveLength(1);
    });

    it('tells whose a thread or run is, whoever asks, and nothing of an id never taken', async () => {
      const me = owner('ownerof');
      const keyItself: ThreadOwner = { apiKeyHash: randomBytes(8).toString('hex') };
      const id = (await store.createThread(me, {}))?.id ?? '';
      const keyThread = (await store.createThread(keyItself, {}))?.id ?? '';
      const run = runId();
      await store.recordRunStart({ id: run, threadId: id, owner: me, model: 'm', startedAt: Date.now() });
      expect(await store.ownerOf?.('thread', id)).toEqual(me);
      expect(await store.ownerOf?.('run', run)).toEqual(me);
      expect(await store.ownerOf?.('thread', keyThread)).toEqual(keyItself);
      expect(await store.ownerOf?.('thread', run)).toBeUndefined();
      expect(await store.ownerOf?.('run', id)).toBeUndefined();
      expect(await store.ownerOf?.('thread', 'thr_never')).toBeUndefined();
      await store.deleteThread(me, id);
      expect(await store.ownerOf?.('thread', id)).toBeUndefined();
      expect(await store.ownerOf?.('run', run)).toBeUndefined();
    });

    it('lists an owner’s threads newest first in pages, each thread once', async () => {
      const me = owner('pager');
      const created: ThreadRecord[] = [];
      for (let index = 0; index < 7; index += 1) {
        const thread = await store.createThread(me, { title: `t${index}` });
        if (thread !== undefined) created.push(thread);
      }
      await store.createThread(owner('pager'), { title: 'someone else' });
      const seen: ThreadRecord[] = [];
      let cursor: string | undefined;
      let pages = 0;
      do {
        const page = await store.listThreads(me, cursor === undefined ? { limit: 3 } : { limit: 3, cursor });
        seen.push(...page.items);
        cursor = page.nextCursor;
        pages += 1;
      } while (cursor !== undefined && pages < 10);
      expect(pages).toBe(3);
      expect(seen.map((thread) => thread.id)).toEqual(
        [...created].sort(newestFirst).map((thread) => thread.id),
      );
    });

    it('lists, with a tenant key, the owner’s threads and every thread created under that key, in pages', async () => {
      const tenantKey = randomBytes(16).toString('hex');
      const me = owner('ada');
      const mate = owner('bob');
      const stranger = owner('eve');
      const expected: string[] = [];
      const keep = (thread: ThreadRecord | undefined): void => {
        if (thread !== undefined) expected.push(thread.id);
      };
      // The owner's thread of before tenant keys is still the owner's.
      keep(await store.createThread(me, {}));
      keep(await store.createThread(me, { tenantKey }));
      for (let index = 0; index < 3; index += 1) keep(await store.createThread(mate, { tenantKey }));
      await store.createThread(mate, {});
      await store.createThread(stranger, { tenantKey: randomBytes(16).toString('hex') });
      const seen: ThreadRecord[] = [];
      let cursor: string | undefined;
      let pages = 0;
      do {
        const page = await store.listThreads(me, {
          limit: 2,
          tenantKey,
          ...(cursor === undefined ? {} : { cursor }),
        });
        seen.push(...page.items);
        cursor = page.nextCursor;
        pages += 1;
      } while (cursor !== undefined && pages < 10);
      expect(pages).toBe(3);
      expect(seen.map((thread) => thread.id).sort()).toEqual([...expected].sort());
      expect(seen.map((thread) => thread.id)).toEqual([...seen].sort(newestFirst).map((thread) => thread.id));
      // Without the key, the owner's own threads only.
      const own = await store.listThreads(me, { limit: 10 });
      expect(own.items).toHaveLength(2);
    });

    it('moves a thread to the top of the list when messages are appended', async () => {
      const me = owner();
      const older = await store.createThread(me, {});
      await new Promise((resolve) => setTimeout(resolve, 5));
      const newer = await store.createThread(me, {});
      await new Promise((resolve) => setTimeout(resolve, 5));
      await store.appendMessages(older?.id ?? '', runId(), 0, [text('user', 'bump')]);
      const page = await store.listThreads(me, { limit: 10 });
      expect(page.items.map((thread) => thread.id)).toEqual([older?.id, newer?.id]);
    });

    it('rejects a cursor it did not issue', async () => {
      await expect(store.listThreads(owner(), { limit: 3, cursor: 'not-a-cursor' })).rejects.toMatchObject({
        code: 'invalid_option',
      });
    });

    it('appends messages idempotently by sequence: a repeated position keeps the first write', async () => {
      const me = owner();
      const id = (await store.createThread(me, {}))?.id ?? '';
      const run = runId();
      await store.appendMessages(id, run, 0, [text('user', 'hello'), text('assistant', 'hi there')]);
      await store.appendMessages(id, run, 1, [text('assistant', 'hi there (again)'), text('user', 'next')]);
      await store.appendMessages(id, run, 1, [text('assistant', 'hi there (again)'), text('user', 'next')]);
      const messages = await store.loadMessages(me, id);
      expect(messages?.map((stored) => [stored.seq, stored.runId, stored.message])).toEqual([
        [0, run, text('user', 'hello')],
        [1, run, text('assistant', 'hi there')],
        [2, run, text('user', 'next')],
      ]);
    });

    it('truncates a thread’s messages from a sequence on, for its owner only', async () => {
      const me = owner();
      const thread = await store.createThread(me, {});
      const id = thread?.id ?? '';
      await store.appendMessages(id, runId(), 0, [
        text('user', 'a'),
        text('assistant', 'b'),
        text('user', 'c'),
      ]);
      expect(await store.truncateMessages(owner(), id, 1)).toBe(false);
      expect((await store.loadMessages(me, id))?.length).toBe(3);
      expect(await store.truncateMessages(me, id, 1)).toBe(true);
      expect((await store.loadMessages(me, id))?.map((entry) => entry.message)).toEqual([text('user', 'a')]);
      await store.appendMessages(id, runId(), 1, [text('assistant', 'b2')]);
      expect((await store.loadMessages(me, id))?.map((entry) => entry.seq)).toEqual([0, 1]);
    });

    it('keeps a message exactly as written, NUL characters and key order included', async () => {
      const me = owner();
      const id = (await store.createThread(me, {}))?.id ?? '';
      const odd = {
        role: 'user',
        content: [
          {
            type: 'tool_result',
            tool_use_id: 'toolu_1',
            content: 'binary\u0000output ünïcödé 😀',
            is_error: false,
          },
        ],
      } as Message;
      await store.appendMessages(id, runId(), 0, [odd]);
      const [stored] = (await store.loadMessages(me, id)) ?? [];
      expect(stored?.message).toEqual(odd);
      expect(JSON.stringify(stored?.message)).toBe(JSON.stringify(odd));
    });

    it('records a run from start to end and lists a thread’s runs newest first', async () => {
      const me = owner();
      const id = (await store.createThread(me, {}))?.id ?? '';
      const first = runId();
      const second = runId();
      const startedAt = Date.now();
      await store.recordRunStart({ id: first, threadId: id, owner: me, model: 'claude', startedAt });
      await store.recordRunStart({ id: first, threadId: id, owner: me, model: 'claude', startedAt });
      expect(await store.getRun(me, first)).toEqual({
        id: first,
        threadId: id,
        owner: me,
        model: 'claude',
        status: 'running',
        outcomeCode: null,
        turns: 0,
        usage: null,
        estimatedCostUsd: null,
        startedAt,
        endedAt: null,
      });
      await store.recordRunEnd(first, {
        status: 'completed',
        outcomeCode: null,
        turns: 2,
        usage,
        estimatedCostUsd: 0.0012,
        endedAt: startedAt + 900,
      });
      expect(await store.getRun(me, first)).toMatchObject({
        status: 'completed',
        turns: 2,
        usage,
        endedAt: startedAt + 900,
      });
      await store.recordRunStart({
        id: second,
        threadId: id,
        owner: me,
        model: 'claude',
        startedAt: startedAt + 1000,
      });
      await store.recordRunEnd(second, {
        status: 'failed',
        outcomeCode: 'max_turns',
        turns: 5,
        usage: null,
        estimatedCostUsd: null,
        endedAt: startedAt + 2000,
      });
      const firstPage = await store.listRuns(me, id, { limit: 1 });
      expect(firstPage?.items.map((run) => [run.id, run.status, run.outcomeCode])).toEqual([
        [second, 'failed', 'max_turns'],
      ]);
      const secondPage = await store.listRuns(me, id, { limit: 1, cursor: firstPage?.nextCursor ?? '' });
      expect(secondPage?.items.map((run) => run.id)).toEqual([first]);
      expect(secondPage?.nextCursor).toBeUndefined();
    });

    /** Two owners with a thread each, and one run id for a run of each (a repeated id). */
    const twoOwnersOneId = async () => {
      const first = owner('first');
      const second = owner('second');
      const firstThread = (await store.createThread(first, {}))?.id ?? '';
      const secondThread = (await store.createThread(second, {}))?.id ?? '';
      return { first, second, firstThread, secondThread, repeated: runId(), startedAt: Date.now() };
    };

    it('keeps a run’s record its owner’s when another owner’s run ends under the same id', async () => {
      const { first, second, firstThread, secondThread, repeated, startedAt } = await twoOwnersOneId();
      const record = {
        id: repeated,
        model: 'claude',
        startedAt,
        turns: 1,
        usage: null,
        estimatedCostUsd: null,
      };
      await store.recordRunStart({ ...record, threadId: firstThread, owner: first });
      await store.finishRun?.({
        ...record,
        threadId: firstThread,
        owner: first,
        status: 'completed',
        outcomeCode: null,
        endedAt: startedAt + 10,
      });
      // The second owner's run comes under the same id: its start is refused, and its end never
      // reaches the first's record either.
      await expect(
        store.recordRunStart({ ...record, threadId: secondThread, owner: second }),
      ).rejects.toMatchObject({
        code: 'run_id_in_use',
      });
      await store.finishRun?.({
        ...record,
        threadId: secondThread,
        owner: second,
        status: 'failed',
        outcomeCode: 'max_turns',
        endedAt: startedAt + 20,
      });
      await store.flushWrites?.();
      expect(await store.getRun(first, repeated)).toMatchObject({
        threadId: firstThread,
        status: store.finishRun === undefined ? 'running' : 'completed',
        outcomeCode: null,
      });
      expect(await store.getRun(second, repeated)).toBeUndefined();
    });

    it('refuses a new run’s start whose id another run’s record has, and keeps the first owner’s record', async () => {
      const { first, second, firstThread, secondThread, repeated, startedAt } = await twoOwnersOneId();
      const record = { id: repeated, model: 'claude', startedAt };
      await store.recordRunStart({ ...record, threadId: firstThread, owner: first });
      // The same run's start written again (a retry) is not a collision.
      await store.recordRunStart({ ...record, threadId: firstThread, owner: first });
      // Another run under the same id: another owner's, or the same owner's in another thread.
      for (const [threadId, who] of [
        [secondThread, second],
        [null, first],
      ] as const) {
        const refusal = await store
          .recordRunStart({ ...record, startedAt: startedAt + 5, threadId, owner: who })
          .then(
            () => undefined,
            (error: unknown) => error,
          );
        expect(refusal).toMatchObject({
          code: 'run_id_in_use',
          runId: repeated,
        });
      }
      await store.flushWrites?.();
      expect(await store.getRun(first, repeated)).toMatchObject({ threadId: firstThread, status: 'running' });
      expect((await store.listRuns(first, firstThread, { limit: 50 }))?.items.map((run) => run.id)).toEqual([
        repeated,
      ]);
      expect(await store.getRun(second, repeated)).toBeUndefined();
    });

    it('records approval decisions once each and lists them in the order they were made', async () => {
      const me = owner('carol');
      const id = (await store.createThread(me, {}))?.id ?? '';
      const run = runId();
      const at = Date.now();
      await store.recordRunStart({ id: run, threadId: id, owner: me, model: 'm', startedAt: at });
      const approved = {
        runId: run,
        toolCallId: 'call_1',
        toolName: 'send_email',
        inputHash: 'a'.repeat(64),
        decision: 'approved' as const,
        alwaysAllow: true,
        answeredBy: {
          ...me,
          sessionId: 'sess_1',
          principal: { issuer: 'https://issuer.example', tenant: 'acme', subject: 'carol' },
        },
        answeredAt: at + 10,
      };
      const denied = {
        ...approved,
        answeredBy: { ...me, sessionId: 'sess_1' },
        toolCallId: 'call_2',
        decision: 'denied' as const,
        alwaysAllow: false,
        answeredAt: at + 20,
      };
      await store.recordApproval(approved);
      await store.recordApproval(denied);
      await store.recordApproval(approved);
      expect(await store.listApprovals(me, run)).toEqual([approved, denied]);
    });

    it('refuses an oversized title or metadata and stores nothing', async () => {
      const me = owner();
      await expect(
        store.createThread(me, { title: 'x'.repeat(THREAD_LIMITS.titleChars + 1) }),
      ).rejects.toMatchObject({
        code: 'invalid_option',
      });
      await expect(
        store.createThread(me, { metadata: { blob: 'x'.repeat(THREAD_LIMITS.metadataBytes) } }),
      ).rejects.toMatchObject({ code: 'invalid_option' });
      const id = (await store.createThread(me, { title: 'ok' }))?.id ?? '';
      await expect(
        store.updateThread(me, id, { title: 'y'.repeat(THREAD_LIMITS.titleChars + 1) }),
      ).rejects.toMatchObject({
        code: 'invalid_option',
      });
      expect((await store.listThreads(me, { limit: 50 })).items.map((thread) => thread.title)).toEqual([
        'ok',
      ]);
    });

    it('deletes a thread with its messages, runs and approvals for good', async () => {
      const me = owner();
      const id = (await store.createThread(me, {}))?.id ?? '';
      const run = runId();
      await store.recordRunStart({ id: run, threadId: id, owner: me, model: 'm', startedAt: Date.now() });
      await store.appendMessages(id, run, 0, [text('user', 'forget me'), text('assistant', 'ok')]);
      await store.recordApproval({
        runId: run,
        toolCallId: 'call_1',
        toolName: 't',
        inputHash: 'b'.repeat(64),
        decision: 'approved',
        alwaysAllow: false,
        answeredBy: { ...me, sessionId: null },
        answeredAt: Date.now(),
      });
      if (subject.rowsLeft !== undefined) expect(await subject.rowsLeft(id, [run])).toBeGreaterThan(0);
      expect(await store.deleteThread(me, id)).toBe(true);
      expect(await store.loadMessages(me, id)).toBeUndefined();
      expect(await store.getRun(me, run)).toBeUndefined();
      expect(await store.listApprovals(me, run)).toBeUndefined();
      if (subject.rowsLeft !== undefined) expect(await subject.rowsLeft(id, [run])).toBe(0);
    });

    it('deletes the threads idle since a cutoff, batch by batch, for good, and keeps the others', async () => {
      const me = owner();
      const stale: Array<{ id: string; run: string }> = [];
      for (const index of [1, 2, 3]) {
        const id = (await store.createThread(me, { title: `old ${index}` }))?.id ?? '';
        const run = runId();
        await store.recordRunStart({ id: run, threadId: id, owner: me, model: 'm', startedAt: Date.now() });
        await store.appendMessages(id, run, 0, [text('user', 'old news'), text('assistant', 'ok')]);
        await store.recordApproval({
          runId: run,
          toolCallId: 'call_1',
          toolName: 't',
          inputHash: 'c'.repeat(64),
          decision: 'denied',
          alwaysAllow: false,
          answeredBy: { ...me, sessionId: 'sess_1' },
          answeredAt: Date.now(),
        });
        stale.push({ id, run });
      }
      const threadless = runId();
      await store.recordRunStart({ id: threadless, threadId: null, owner: me, model: 'm', startedAt: 1 });
      const cutoff = await afterNow();
      const fresh = (await store.createThread(me, { title: 'fresh' }))?.id ?? '';
      await store.appendMessages(fresh, runId(), 0, [text('user', 'new')]);

      // Deleting a bounded batch at a time until none is left; once more deletes nothing.
      let batches = 0;
      for (let deleted = -1; deleted !== 0; batches += 1) {
        deleted = await store.deleteThreadsIdleSince(cutoff, 2);
        expect(deleted).toBeGreaterThanOrEqual(0);
        expect(deleted).toBeLessThanOrEqual(2);
      }
      expect(batches).toBeGreaterThanOrEqual(3);
      expect(await store.deleteThreadsIdleSince(cutoff, 2)).toBe(0);
      for (const { id, run } of stale) {
        expect(await store.getThread(me, id)).toBeUndefined();
        expect(await store.getRun(me, run)).toBeUndefined();
        expect(await store.listApprovals(me, run)).toBeUndefined();
        if (subject.rowsLeft !== undefined) expect(await subject.rowsLeft(id, [run])).toBe(0);
      }
      expect(await store.getThread(me, fresh)).toMatchObject({ title: 'fresh' });
      expect(await store.loadMessages(me, fresh)).toHaveLength(1);
      expect(await store.getRun(me, threadless)).toMatchObject({ threadId: null });
      await expect(store.deleteThreadsIdleSince(cutoff, 0)).rejects.toMatchObject({ code: 'invalid_option' });
    });
  });
}

/** A time after every write so far: the clock is read until it moved past the present. */
async function afterNow(): Promise<number> {
  const now = Date.now();
  while (Date.now() <= now) await new Promise((resolve) => setImmediate(resolve));
  return Date.now();
}
