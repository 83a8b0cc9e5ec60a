import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LogEntry } from '../../src/core/events.js';
import type { PendingAnswerKey, PendingAnswerRecord, SessionRecord } from '../../src/core/stores.js';
import { createRedisStores, type RedisStores } from '../../src/stores/redis/create-redis-stores.js';
import {
  redisUnavailableReason,
  startRedisServer,
  type RedisServerProcess,
} from './helpers/start-redis-server.js';

const skipReason = redisUnavailableReason();
if (skipReason !== undefined) console.warn(skipReason);

const session = (sessionId: string, expiresAt: number): SessionRecord => ({
  sessionId,
  apiKeyHash: 'abcdef0123456789',
  createdAt: 100,
  expiresAt,
  approvedToolTypes: [],
});

const RUN = 'run_a';
const key = (toolCallId: string, sessionId = 'sess_a'): PendingAnswerKey => ({
  sessionId,
  runId: RUN,
  toolCallId,
});

const pending = (toolCallId: string, sessionId = 'sess_a'): PendingAnswerRecord => ({
  toolCallId,
  sessionId,
  runId: RUN,
  kind: 'approval',
  nonce: '0123456789abcdef',
  requestedAt: 1_700_000_000.25,
  expiresAt: 4_000_000_000,
  status: 'approval_pending',
  toolName: 'delete_file',
  resolvedQualifier: '',
});

describe.skipIf(skipReason !== undefined)('Redis stores against a real redis-server', () => {
  let server: RedisServerProcess;
  const opened: RedisStores[] = [];
  /** A fresh bundle under its own key prefix, so tests never see each other's keys. */
  const open = async (keyPrefix = `t${randomBytes(4).toString('hex')}:`): Promise<RedisStores> => {
    const stores = createRedisStores({ url: server.url, keyPrefix, readBlockMs: 200 });
    opened.push(stores);
    await stores.connect?.();
    return stores;
  };

  beforeAll(async () => {
    server = await startRedisServer();
  });
  afterAll(async () => {
    await Promise.all(opened.map((stores) => stores.close()));
    await server.stop();
  });

  it('counts round trips: one per command, one per pipeline, duplicated clients included', async () => {
    const stores = await open();
    const before = stores.roundTrips();
    await stores.client.set(`${randomBytes(4).toString('hex')}:k`, '1');
    await stores.client.get('missing-key');
    expect(stores.roundTrips() - before).toBe(2);
    await stores.client.pipeline().set('p:a', '1').set('p:b', '2').get('p:a').exec();
    expect(stores.roundTrips() - before).toBe(3);
    const copy = stores.client.duplicate();
    await copy.ping();
    expect(stores.roundTrips() - before).toBeGreaterThanOrEqual(4);
    copy.disconnect();
  });

  it('keeps sessions, approved tool types in order, and the run lock for one holder at a time', async () => {
    const stores = await open();
    await stores.sessions.create(session('sess_a', 4_000_000_000));
    await stores.sessions.addApprovedToolType('sess_a', 'shell:ls');
    await stores.sessions.addApprovedToolType('sess_a', 'code_execute');
    await stores.sessions.addApprovedToolType('sess_a', 'shell:ls');
    await stores.sessions.addApprovedToolType('sess_missing', 'x');
    expect(await stores.sessions.get('sess_a')).toEqual({
      ...session('sess_a', 4_000_000_000),
      approvedToolTypes: ['shell:ls', 'code_execute'],
    });
    expect(await stores.sessions.get('sess_missing')).toBeUndefined();
    const attempts = await Promise.all([1, 2, 3, 4].map(() => stores.sessions.acquireRunLock('sess_a')));
    expect(attempts.filter(Boolean)).toHaveLength(1);
    expect(await stores.sessions.acquireRunLock('sess_missing')).toBe(false);
    await stores.sessions.releaseRunLock('sess_a');
    expect(await stores.sessions.acquireRunLock('sess_a')).toBe(true);
    expect(await stores.sessions.delete('sess_a')).toBe(true);
    expect(await stores.sessions.delete('sess_a')).toBe(false);
  });

  it('names who holds the run lock, and breaks only that very lock, once it is old enough', async () => {
    const stores = await open();
    await stores.sessions.create(session('sess_l', 4_000_000_000));
    const { sessions } = stores;
    expect(await sessions.runLockHolder?.('sess_l')).toBeUndefined();
    expect(await sessions.acquireRunLock('sess_l', 'owner|with|bars')).toBe(true);
    const lock = await sessions.runLockHolder?.('sess_l');
    expect(lock?.holder).toBe('owner|with|bars');
    if (lock === undefined) throw new Error('the lock names its holder');
    // Too young to be broken, then old enough.
    expect(await sessions.breakRunLock?.('sess_l', lock, 60_000)).toBe(false);
    await new Promise((resolve) => setTimeout(resolve, 30));
    expect(await sessions.breakRunLock?.('sess_l', lock, 20)).toBe(true);
    expect(await sessions.runLockHolder?.('sess_l')).toBeUndefined();
    // A lock taken since (by anyone) is never broken with the old one's value.
    expect(await sessions.acquireRunLock('sess_l', 'owner|with|bars')).toBe(true);
    await new Promise((resolve) => setTimeout(resolve, 5));
    expect(await sessions.breakRunLock?.('sess_l', lock, 0)).toBe(false);
    expect(await sessions.acquireRunLock('sess_l')).toBe(false);
  });

  it('tells an instance that never beat, stopped beating or left from one that beats', async () => {
    const stores = await open();
    const leases = stores.runLeases;
    if (leases?.isOwnerSilent === undefined) throw new Error('the Redis bundle judges owners');
    const owner = `o${randomBytes(4).toString('hex')}`;
    expect(await leases.isOwnerSilent(owner, 60_000)).toBe(true);
    await leases.beat(owner);
    expect(await leases.isOwnerSilent(owner, 60_000)).toBe(false);
    await new Promise((resolve) => setTimeout(resolve, 30));
    expect(await leases.isOwnerSilent(owner, 20)).toBe(true);
    await leases.beat(owner);
    await leases.leave(owner);
    expect(await leases.isOwnerSilent(owner, 60_000)).toBe(true);
  });

  it('keeps the end user a server-side key asserted for its session, and none for the key itself', async () => {
    const stores = await open();
    await stores.sessions.create({ ...session('sess_user', 4_000_000_000), user: 'alice' });
    await stores.sessions.create(session('sess_key', 4_000_000_000));
    expect(await stores.sessions.get('sess_user')).toMatchObject({ user: 'alice' });
    expect(await stores.sessions.get('sess_key')).not.toHaveProperty('user');
  });

  it('hands each expired session to exactly one of two instances sweeping at once', async () => {
    const prefix = `t${randomBytes(4).toString('hex')}:`;
    const first = await open(prefix);
    const second = await open(prefix);
    for (let index = 0; index < 30; index += 1) await first.sessions.create(session(`sess_old${index}`, 150));
    await first.sessions.create(session('sess_future', 4_000_000_000));
    const [fromFirst, fromSecond] = await Promise.all([
      first.sessions.takeExpired(200),
      second.sessions.takeExpired(200),
    ]);
    const taken = [...fromFirst, ...fromSecond].map((record) => record.sessionId).sort();
    expect(taken).toHaveLength(30);
    expect(new Set(taken).size).toBe(30);
    expect(await second.sessions.get('sess_old3')).toBeUndefined();
    expect(await second.sessions.get('sess_future')).toBeDefined();
  });

  it('lets exactly one of many concurrent transitions from two instances win', async () => {
    const prefix = `t${randomBytes(4).toString('hex')}:`;
    const first = await open(prefix);
    const second = await open(prefix);
    expect(await first.pendingAnswers.create(pending('call_1'))).toBe(true);
    expect(await second.pendingAnswers.create({ ...pending('call_1'), nonce: 'other' })).toBe(false);
    const outcomes = await Promise.all(
      Array.from({ length: 20 }, (_unused, index) =>
        (index % 2 === 0 ? first : second).pendingAnswers.transition(
          key('call_1'),
          'approval_pending',
          'approval_received',
        ),
      ),
    );
    expect(outcomes.filter(Boolean)).toHaveLength(1);
    expect(await second.pendingAnswers.get(key('call_1'))).toEqual({
      ...pending('call_1'),
      status: 'approval_received',
    });
    await first.pendingAnswers.create(pending('call_2'));
    await first.pendingAnswers.create(pending('call_3', 'sess_b'));
    expect(await first.pendingAnswers.delete(key('call_1'))).toBe(true);
    expect(await first.pendingAnswers.delete(key('call_1'))).toBe(false);
    await second.pendingAnswers.deletePendingOfRun('sess_a', RUN);
    expect(await first.pendingAnswers.get(key('call_2'))).toBeUndefined();
    expect(await first.pendingAnswers.get(key('call_3', 'sess_b'))).toBeDefined();
  });

  it('keeps an answered call as a tombstone when its run ends, and lets a new call replace it', async () => {
    const prefix = `t${randomBytes(4).toString('hex')}:`;
    const first = await open(prefix);
    const second = await open(prefix);
    await first.pendingAnswers.create(pending('call_1'));
    await first.pendingAnswers.create(pending('call_2'));
    expect(
      await second.pendingAnswers.transition(key('call_1'), 'approval_pending', 'approval_received'),
    ).toBe(true);
    await second.pendingAnswers.deletePendingOfRun('sess_a', RUN);
    expect((await first.pendingAnswers.get(key('call_1')))?.status).toBe('approval_received');
    expect(await first.pendingAnswers.get(key('call_2'))).toBeUndefined();
    expect(await first.pendingAnswers.create({ ...pending('call_1'), nonce: 'fresh' })).toBe(true);
    expect(await second.pendingAnswers.get(key('call_1'))).toMatchObject({
      status: 'approval_pending',
      nonce: 'fresh',
    });
  });

  it('delivers bus messages across instances once the subscription resolved, and stops after unsubscribe', async () => {
    const prefix = `t${randomBytes(4).toString('hex')}:`;
    const first = await open(prefix);
    const second = await open(prefix);
    const received: unknown[] = [];
    let resolveDelivery: () => void = () => undefined;
    const delivered = new Promise<void>((resolve) => {
      resolveDelivery = resolve;
    });
    const unsubscribe = await second.bus.subscribe('alpha', (payload) => {
      received.push(payload);
      resolveDelivery();
    });
    await first.bus.publish('alpha', { approved: true });
    await delivered;
    await unsubscribe();
    await unsubscribe();
    await first.bus.publish('alpha', { approved: false });
    await second.client.ping();
    expect(received).toEqual([{ approved: true }]);
  });

  it('streams a run log across instances from any sequence number, ignoring retried batches', async () => {
    const prefix = `t${randomBytes(4).toString('hex')}:`;
    const writer = await open(prefix);
    const reader = await open(prefix);
    const entry = (seq: number, text: string): LogEntry => ({
      seq,
      event: { type: 'text_delta', text: text },
    });
    await writer.runEvents?.append('run_a', [entry(1, 'a'), entry(2, 'b')]);
    await writer.runEvents?.append('run_a', [entry(2, 'b'), entry(3, 'c')]);
    expect(await reader.runEvents?.lastSeq('run_a')).toBe(3);
    const controller = new AbortController();
    const seen: LogEntry[] = [];
    const reading = (async () => {
      for await (const item of reader.runEvents?.read('run_a', 1, controller.signal) ?? []) seen.push(item);
    })();
    await writer.runEvents?.append('run_a', [
      entry(4, 'd'),
      { seq: 5, event: { type: 'error', error: 'cancelled' } },
    ]);
    await reading;
    expect(seen.map((item) => item.seq)).toEqual([2, 3, 4, 5]);
    expect(seen[3]?.event).toEqual({ type: 'error', error: 'cancelled' });
    await writer.runEvents?.expire('run_a', 1_000);
    expect(await reader.client.ttl(`${prefix}run:run_a:events`)).toBe(1);
  });

  it('ends a live read when its signal aborts', async () => {
    const stores = await open();
    await stores.runEvents?.append('run_b', [{ seq: 1, event: { type: 'text_delta', text: 'x' } }]);
    const controller = new AbortController();
    const seen: number[] = [];
    const reading = (async () => {
      for await (const item of stores.runEvents?.read('run_b', 0, controller.signal) ?? []) {
        seen.push(item.seq);
        controller.abort();
      }
    })();
    await reading;
    expect(seen).toEqual([1]);
  });

  it('records the latest run of a session and marks only that run finished', async () => {
    const stores = await open();
    const directory = stores.runDirectory;
    if (directory === undefined) throw new Error('the Redis bundle must have a run directory');
    await directory.setLatest({ runId: 'r1', sessionId: 'sess_a', instanceId: 'A', finished: false }, 60_000);
    await directory.setLatest({ runId: 'r2', sessionId: 'sess_a', instanceId: 'B', finished: false }, 60_000);
    await directory.markFinished('sess_a', 'r1', 60_000);
    expect(await directory.getLatest('sess_a')).toEqual({
      runId: 'r2',
      sessionId: 'sess_a',
      instanceId: 'B',
      finished: false,
    });
    await directory.markFinished('sess_a', 'r2', 60_000);
    expect((await directory.getLatest('sess_a'))?.finished).toBe(true);
    expect(await directory.getLatest('sess_none')).toBeUndefined();
  });

  it('fails connect() within its timeout with a message naming the URL without the password', async () => {
    const stores = createRedisStores({
      url: 'redis://:hunter2@127.0.0.1:1/0',
      connectTimeoutMs: 300,
      onError: () => undefined,
    });
    opened.push(stores);
    const failure = await stores.connect?.().then(
      () => undefined,
      (error: unknown) => error,
    );
    expect(failure).toMatchObject({ code: 'store_unavailable' });
    expect(String((failure as Error).message)).toContain('redis://127.0.0.1:1/0');
    expect(String((failure as Error).message)).not.toContain('hunter2');
  });
});
