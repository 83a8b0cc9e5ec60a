import { describe, expect, it } from 'vitest';
import type { PendingToolRecord } from '../../core/stores.js';
import { createMemoryPendingToolStore } from './memory-pending-tool-store.js';

function pendingRecord(toolCallId: string, sessionId = 'sess_a'): PendingToolRecord {
  return {
    toolCallId,
    sessionId,
    kind: 'approval',
    nonce: '0123456789abcdef',
    requestedAt: 100,
    expiresAt: 220,
    status: 'approval_pending',
    toolName: 'delete_file',
    resolvedQualifier: '',
  };
}

describe('createMemoryPendingToolStore', () => {
  it('lets exactly one of many concurrent transitions win', async () => {
    const store = createMemoryPendingToolStore();
    await store.create(pendingRecord('call_1'));
    const outcomes = await Promise.all(
      Array.from({ length: 20 }, () => store.transition('call_1', 'approval_pending', 'approval_received')),
    );
    expect(outcomes.filter(Boolean)).toHaveLength(1);
    expect((await store.get('call_1'))?.status).toBe('approval_received');
  });

  it('refuses a transition from the wrong status or for an unknown id', async () => {
    const store = createMemoryPendingToolStore();
    await store.create(pendingRecord('call_1'));
    expect(await store.transition('call_1', 'pending', 'received')).toBe(false);
    expect(await store.transition('call_missing', 'approval_pending', 'approval_received')).toBe(false);
    expect((await store.get('call_1'))?.status).toBe('approval_pending');
  });

  it('refuses to park the same tool call id twice', async () => {
    const store = createMemoryPendingToolStore();
    expect(await store.create(pendingRecord('call_1'))).toBe(true);
    expect(await store.create({ ...pendingRecord('call_1'), nonce: 'ffffffffffffffff' })).toBe(false);
    expect((await store.get('call_1'))?.nonce).toBe('0123456789abcdef');
  });

  it('deletes one record or all records of a session', async () => {
    const store = createMemoryPendingToolStore();
    await store.create(pendingRecord('call_1', 'sess_a'));
    await store.create(pendingRecord('call_2', 'sess_a'));
    await store.create(pendingRecord('call_3', 'sess_b'));
    expect(await store.delete('call_1')).toBe(true);
    expect(await store.delete('call_1')).toBe(false);
    await store.deleteForSession('sess_a');
    expect(await store.get('call_2')).toBeUndefined();
    expect(await store.get('call_3')).toBeDefined();
  });

  it('returns copies of records', async () => {
    const store = createMemoryPendingToolStore();
    await store.create(pendingRecord('call_1'));
    const copy = await store.get('call_1');
    if (copy !== undefined) copy.status = 'received';
    expect((await store.get('call_1'))?.status).toBe('approval_pending');
  });

  it('keeps answered calls as tombstones until they expire, and lets a new call replace one', async () => {
    let nowMs = 150_000;
    const store = createMemoryPendingToolStore(() => nowMs);
    await store.create(pendingRecord('call_1'));
    await store.transition('call_1', 'approval_pending', 'approval_received');
    await store.deleteForSession('sess_a');
    expect((await store.get('call_1'))?.status).toBe('approval_received');

    expect(await store.create({ ...pendingRecord('call_1'), nonce: 'ffffffffffffffff' })).toBe(true);
    expect((await store.get('call_1'))?.status).toBe('approval_pending');
    await store.transition('call_1', 'approval_pending', 'approval_received');

    nowMs = 220_000;
    await store.create(pendingRecord('call_2'));
    expect(await store.get('call_1')).toBeUndefined();
  });
});
