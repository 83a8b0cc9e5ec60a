import { describe, expect, it } from 'vitest';
import type { SessionRecord } from '../../core/stores.js';
import { createMemorySessionStore, locksAtOnce } from './memory-session-store.js';

function sessionRecord(sessionId: string, expiresAt: number): SessionRecord {
  return { sessionId, apiKeyHash: 'abcdef0123456789', createdAt: 100, expiresAt, approvedToolTypes: [] };
}

describe('createMemorySessionStore', () => {
  it('returns copies, so mutating a returned record leaves the stored one unchanged', async () => {
    const store = createMemorySessionStore();
    await store.create(sessionRecord('sess_a', 200));
    const first = await store.get('sess_a');
    first?.approvedToolTypes.push('mutated');
    expect((await store.get('sess_a'))?.approvedToolTypes).toEqual([]);
  });

  it('adds each approved tool type once and ignores unknown sessions', async () => {
    const store = createMemorySessionStore();
    await store.create(sessionRecord('sess_a', 200));
    await store.addApprovedToolType('sess_a', 'code_execute:docker');
    await store.addApprovedToolType('sess_a', 'code_execute:docker');
    await store.addApprovedToolType('sess_missing', 'anything');
    expect((await store.get('sess_a'))?.approvedToolTypes).toEqual(['code_execute:docker']);
    expect(await store.get('sess_missing')).toBeUndefined();
  });

  it('grants the run lock to one holder at a time and again after release', async () => {
    const store = createMemorySessionStore();
    await store.create(sessionRecord('sess_a', 200));
    const attempts = await Promise.all([1, 2, 3].map(() => store.acquireRunLock('sess_a')));
    expect(attempts.filter(Boolean)).toHaveLength(1);
    expect(await store.acquireRunLock('sess_a')).toBe(false);
    await store.releaseRunLock('sess_a');
    expect(await store.acquireRunLock('sess_a')).toBe(true);
  });

  it('refuses the run lock for an unknown session', async () => {
    const store = createMemorySessionStore();
    expect(await store.acquireRunLock('sess_missing')).toBe(false);
  });

  it('drops the run lock with the session', async () => {
    const store = createMemorySessionStore();
    await store.create(sessionRecord('sess_a', 200));
    expect(await store.acquireRunLock('sess_a')).toBe(true);
    expect(await store.delete('sess_a')).toBe(true);
    expect(await store.delete('sess_a')).toBe(false);
    await store.create(sessionRecord('sess_a', 200));
    expect(await store.acquireRunLock('sess_a')).toBe(true);
  });

  it('takes exactly the sessions whose expiry has been reached and removes them', async () => {
    const store = createMemorySessionStore();
    await store.create(sessionRecord('sess_past', 150));
    await store.create(sessionRecord('sess_now', 200));
    await store.create(sessionRecord('sess_future', 201));
    const expired = await store.takeExpired(200);
    expect(expired.map((record) => record.sessionId).sort()).toEqual(['sess_now', 'sess_past']);
    expect(await store.get('sess_past')).toBeUndefined();
    expect(await store.get('sess_now')).toBeUndefined();
    expect(await store.get('sess_future')).toBeDefined();
    expect(await store.takeExpired(200)).toEqual([]);
  });

  it('forgets everything on close and tolerates a second close', async () => {
    const store = createMemorySessionStore();
    await store.create(sessionRecord('sess_a', 200));
    await store.close();
    await store.close();
    expect(await store.get('sess_a')).toBeUndefined();
  });

  it('takes and gives back the run lock at once, sharing its state with the promises', async () => {
    const store = createMemorySessionStore();
    await store.create(sessionRecord('sess_a', 200));
    expect(locksAtOnce(store)).toBe(true);
    expect(store.acquireRunLockNow('sess_a')).toBe(true);
    expect(store.acquireRunLockNow('sess_a')).toBe(false);
    expect(await store.acquireRunLock('sess_a')).toBe(false);
    store.releaseRunLockNow('sess_a');
    expect(await store.acquireRunLock('sess_a')).toBe(true);
    expect(store.acquireRunLockNow('sess_missing')).toBe(false);
    expect(locksAtOnce({ acquireRunLock: () => Promise.resolve(true) })).toBe(false);
  });
});
