import { randomBytes } from 'node:crypto';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { PendingAnswerKey, PendingAnswerRecord, PendingAnswerStore } from '../src/core/stores.js';
import { createMemoryPendingAnswerStore } from '../src/stores/memory/memory-pending-answer-store.js';
import { createRedisStores } from '../src/stores/redis/create-redis-stores.js';
import { createCleanupStack } from './helpers/cleanup-stack.js';
import { redisUnavailableReason, startRedisServer } from './redis/helpers/start-redis-server.js';

/*
 * The pending-tool store contract where tool call ids collide: the model server picks the ids,
 * and `call_0` is asked by many sessions at once. Whatever one session's run does (ask, refuse,
 * answer, delete, withdraw) must leave every other session's and run's call as it was.
 */

const cleanup = createCleanupStack();
afterEach(() => cleanup.run());

const first: PendingAnswerKey = { sessionId: 'sess_first', runId: 'run_first', toolCallId: 'call_0' };
const second: PendingAnswerKey = { sessionId: 'sess_second', runId: 'run_second', toolCallId: 'call_0' };

const pendingRecord = (key: PendingAnswerKey, nonce: string): PendingAnswerRecord => ({
  ...key,
  kind: 'approval',
  nonce,
  requestedAt: Date.now() / 1000,
  expiresAt: Date.now() / 1000 + 60,
  status: 'approval_pending',
  toolName: 'delete_file',
});

const redisSkip = redisUnavailableReason();
const backends = [
  { name: 'in-process store', redis: false },
  { name: 'Redis store', redis: true },
];

describe.each(backends)('the $name, with one tool call id asked by two sessions', (backend) => {
  if (backend.redis && redisSkip !== undefined) {
    it.skip(redisSkip, () => undefined);
    return;
  }
  let redisUrl = '';
  let stopRedis: () => Promise<void> = () => Promise.resolve();
  beforeAll(async () => {
    if (!backend.redis) return;
    const redis = await startRedisServer();
    redisUrl = redis.url;
    stopRedis = () => redis.stop();
  });
  afterAll(() => stopRedis());

  const openStore = async (): Promise<PendingAnswerStore> => {
    if (!backend.redis) return createMemoryPendingAnswerStore();
    const stores = createRedisStores({ url: redisUrl, keyPrefix: `iso${randomBytes(4).toString('hex')}:` });
    cleanup.add(stores, (owned) => owned.close());
    await stores.connect?.();
    return stores.pendingAnswers;
  };

  it('asks both, and each session finds only its own', async () => {
    const store = await openStore();
    expect(await store.create(pendingRecord(first, 'nonce-first'))).toBe(true);
    expect(await store.create(pendingRecord(second, 'nonce-second'))).toBe(true);

    expect(await store.findInSession('sess_first', 'call_0')).toMatchObject({
      ...first,
      nonce: 'nonce-first',
    });
    expect(await store.findInSession('sess_second', 'call_0')).toMatchObject({
      ...second,
      nonce: 'nonce-second',
    });
    expect(await store.findInSession('sess_third', 'call_0')).toBeUndefined();
  });

  it('answers, deletes and withdraws one session’s call without touching the other’s', async () => {
    const store = await openStore();
    await store.create(pendingRecord(first, 'nonce-first'));
    await store.create(pendingRecord(second, 'nonce-second'));

    expect(await store.transition(second, 'approval_pending', 'approval_received')).toBe(true);
    expect((await store.get(first))?.status).toBe('approval_pending');
    expect(await store.delete(second)).toBe(true);
    expect(await store.get(first)).toMatchObject({ nonce: 'nonce-first', status: 'approval_pending' });

    await store.create(pendingRecord(second, 'nonce-second'));
    await store.deletePendingOfRun('sess_second', 'run_second');
    expect(await store.get(second)).toBeUndefined();
    expect(await store.findInSession('sess_first', 'call_0')).toMatchObject({ nonce: 'nonce-first' });
    // A withdrawal naming the other session with this run's id reaches nothing either.
    await store.deletePendingOfRun('sess_second', 'run_first');
    expect(await store.get(first)).toBeDefined();
  });

  it('refuses a second ask under the same key and keeps the waiting one; a later run of the session asks its own', async () => {
    const store = await openStore();
    await store.create(pendingRecord(first, 'nonce-first'));
    expect(await store.create(pendingRecord(first, 'nonce-again'))).toBe(false);
    expect(await store.get(first)).toMatchObject({ nonce: 'nonce-first' });

    // A later run of the same session asks under the id anew: answers now reach the newer call, and
    // the newer run's end withdraws only its own.
    const later: PendingAnswerKey = { ...first, runId: 'run_later' };
    expect(await store.create(pendingRecord(later, 'nonce-later'))).toBe(true);
    expect(await store.findInSession('sess_first', 'call_0')).toMatchObject({ runId: 'run_later' });
    await store.deletePendingOfRun('sess_first', 'run_later');
    expect(await store.get(later)).toBeUndefined();
    expect(await store.get(first)).toMatchObject({ nonce: 'nonce-first', status: 'approval_pending' });
  });
});
