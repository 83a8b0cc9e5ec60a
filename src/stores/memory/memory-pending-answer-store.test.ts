import { describe, expect, it } from 'vitest';
import type { PendingAnswerKey, PendingAnswerRecord } from '../../core/stores.js';
import { createMemoryPendingAnswerStore, withdrawsAtOnce } from './memory-pending-answer-store.js';

const RUN = 'run_a';
const key = (toolCallId: string, sessionId = 'sess_a'): PendingAnswerKey => ({
  sessionId,
  runId: RUN,
  toolCallId,
});

function pendingRecord(toolCallId: string, sessionId = 'sess_a'): PendingAnswerRecord {
  return {
    toolCallId,
    sessionId,
    runId: RUN,
    kind: 'approval',
    nonce: '0123456789abcdef',
    requestedAt: 100,
    expiresAt: 220,
    status: 'approval_pending',
    toolName: 'delete_file',
    resolvedQualifier: '',
  };
}

describe('createMemoryPendingAnswerStore', () => {
  it('lets exactly one of many concurrent transitions win', async () => {
    const store = createMemoryPendingAnswerStore();
    await store.create(pendingRecord('call_1'));
    const outcomes = await Promise.all(
      Array.from({ length: 20 }, () =>
        store.transition(key('call_1'), 'approval_pending', 'approval_received'),
      ),
    );
    expect(outcomes.filter(Boolean)).toHaveLength(1);
    expect((await store.get(key('call_1')))?.status).toBe('approval_received');
  });

  it('refuses a transition from the wrong status or for an unknown id', async () => {
    const store = createMemoryPendingAnswerStore();
    await store.create(pendingRecord('call_1'));
    expect(await store.transition(key('call_1'), 'pending', 'received')).toBe(false);
    expect(await store.transition(key('call_missing'), 'approval_pending', 'approval_received')).toBe(false);
    expect((await store.get(key('call_1')))?.status).toBe('approval_pending');
  });

  it('refuses to ask again for the same tool call id twice', async () => {
    const store = createMemoryPendingAnswerStore();
    expect(await store.create(pendingRecord('call_1'))).toBe(true);
    expect(await store.create({ ...pendingRecord('call_1'), nonce: 'ffffffffffffffff' })).toBe(false);
    expect((await store.get(key('call_1')))?.nonce).toBe('0123456789abcdef');
  });

  it('deletes one record or the waiting records of a run', async () => {
    const store = createMemoryPendingAnswerStore();
    await store.create(pendingRecord('call_1', 'sess_a'));
    await store.create(pendingRecord('call_2', 'sess_a'));
    await store.create(pendingRecord('call_3', 'sess_b'));
    expect(await store.delete(key('call_1'))).toBe(true);
    expect(await store.delete(key('call_1'))).toBe(false);
    await store.deletePendingOfRun('sess_a', RUN);
    expect(await store.get(key('call_2'))).toBeUndefined();
    expect(await store.get(key('call_3', 'sess_b'))).toBeDefined();
  });

  it('returns copies of records', async () => {
    const store = createMemoryPendingAnswerStore();
    await store.create(pendingRecord('call_1'));
    const copy = await store.get(key('call_1'));
    if (copy !== undefined) copy.status = 'received';
    expect((await store.get(key('call_1')))?.status).toBe('approval_pending');
  });

  it('keeps answered calls as tombstones until they expire, and lets a new call replace one', async () => {
    let nowMs = 150_000;
    const store = createMemoryPendingAnswerStore(() => nowMs);
    await store.create(pendingRecord('call_1'));
    await store.transition(key('call_1'), 'approval_pending', 'approval_received');
    await store.deletePendingOfRun('sess_a', RUN);
    expect((await store.get(key('call_1')))?.status).toBe('approval_received');

    expect(await store.create({ ...pendingRecord('call_1'), nonce: 'ffffffffffffffff' })).toBe(true);
    expect((await store.get(key('call_1')))?.status).toBe('approval_pending');
    await store.transition(key('call_1'), 'approval_pending', 'approval_received');

    nowMs = 220_000;
    await store.create(pendingRecord('call_2'));
    expect(await store.get(key('call_1'))).toBeUndefined();
  });

  it('withdraws the waiting records of a run at once', async () => {
    const store = createMemoryPendingAnswerStore();
    await store.create(pendingRecord('call_1', 'sess_a'));
    await store.create(pendingRecord('call_2', 'sess_b'));
    expect(withdrawsAtOnce(store)).toBe(true);
    store.deletePendingOfRunNow('sess_a', RUN);
    expect(await store.get(key('call_1'))).toBeUndefined();
    expect(await store.get(key('call_2', 'sess_b'))).toBeDefined();
  });
});
