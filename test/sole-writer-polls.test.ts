import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { SqlEngine } from '../src/database/sql/sql-engine.js';
import type { SqlThreadStore } from '../src/database/sql/sql-thread-store.js';
import { createCleanupStack } from './helpers/cleanup-stack.js';
import { countingStoreOver, openPgliteEngine, type CountingStore } from './helpers/counting-sql-store.js';
import { scheduleRecordOf } from './helpers/schedule-record.js';

// One database for the file, emptied before each test; each test has a store of its own.
const cleanup = createCleanupStack();
let engine: SqlEngine;
beforeAll(async () => {
  engine = await openPgliteEngine(cleanup);
});
afterAll(() => cleanup.run());
beforeEach(async () => {
  await engine.query(
    'TRUNCATE webhook_outbox, background_runs, schedule_fires, schedules, queued_runs, suspended_calls, suspended_runs, runs, threads CASCADE',
  );
});
const countingStore = (soleWriter: boolean): CountingStore => countingStoreOver(engine, soleWriter);

const owner = { apiKeyHash: 'key', user: 'ada' };

/** One round of every poller, as the webhook sender, the schedule firer and the scans make them. */
async function pollRound(store: SqlThreadStore, now: number) {
  await store.backgroundRuns?.enqueueEnded(now, 10, () => ({}));
  await store.backgroundRuns?.enqueueApprovalRequests(now, 10, () => ({}));
  const deliveries = (await store.backgroundRuns?.claimDue('me', now, 1_000, 10)) ?? [];
  const fires =
    (await store.schedules?.claimDue({
      claimer: 'me',
      now,
      claimForMs: 1_000,
      limit: 10,
      nextAfter: () => null,
      runIdOf: (scheduleId, dueAt) => `run_${scheduleId}_${dueAt}`,
    })) ?? [];
  const queued = (await store.queuedRuns?.claimLapsed('me', 1_000, now, 10)) ?? [];
  await store.suspendedRuns?.purgeResumed(now);
  const suspended = (await store.suspendedRuns?.due(now, 10)) ?? { resumable: [], expired: [] };
  return { deliveries, fires, queued, suspended };
}

describe('the pollers of a database this process alone writes', () => {
  it('send it no statement once a round showed their tables hold nothing for them', async () => {
    const { store, statements } = countingStore(true);
    await pollRound(store, Date.now());
    const afterFirst = statements();
    expect(afterFirst).toBeGreaterThan(0);
    await pollRound(store, Date.now());
    await pollRound(store, Date.now());
    expect(statements()).toBe(afterFirst);
  });

  it('find a run queued after they went quiet', async () => {
    const { store } = countingStore(true);
    const now = Date.now();
    await pollRound(store, now);
    await store.queuedRuns?.enqueue(
      {
        runId: 'run_queued',
        owner,
        sessionId: 'sess_1',
        threadId: null,
        scheduleId: null,
        request: { messages: [{ role: 'user', content: 'later' }] },
        queuedAt: now,
      },
      'gone',
      1,
      now,
    );
    const { queued } = await pollRound(store, now + 10);
    expect(queued.map((run) => run.runId)).toEqual(['run_queued']);
  });

  it('fire a schedule created after they went quiet', async () => {
    const { store } = countingStore(true);
    const from = Date.parse('2026-06-01T00:00:00Z');
    await pollRound(store, from);
    await store.schedules?.create(scheduleRecordOf('sch_1', '* * * * *', 'UTC', from, owner));
    const { fires } = await pollRound(store, from + 60_000);
    expect(fires.map((fire) => fire.schedule.id)).toEqual(['sch_1']);
  });

  it('fire a schedule created through the per-owner bound (POST /schedules) after they went quiet', async () => {
    const { store } = countingStore(true);
    const from = Date.parse('2026-06-01T00:00:00Z');
    await pollRound(store, from);
    const created = await store.schedules?.createWithin(
      scheduleRecordOf('sch_bounded', '* * * * *', 'UTC', from, owner),
      10,
    );
    expect(created).toBe(true);
    const { fires } = await pollRound(store, from + 60_000);
    expect(fires.map((fire) => fire.schedule.id)).toEqual(['sch_bounded']);
  });

  it('keep asking while a background run with a webhook has not been notified of its end', async () => {
    const { store, statements } = countingStore(true);
    await pollRound(store, Date.now());
    await store.backgroundRuns?.record({
      runId: 'run_hooked',
      owner,
      sessionId: 'sess_1',
      threadId: null,
      metadata: {},
      webhook: { url: 'http://127.0.0.1:9/hook', events: ['run.ended'] },
      createdAt: Date.now(),
    });
    await pollRound(store, Date.now());
    const before = statements();
    await pollRound(store, Date.now());
    // The webhook sender's three statements (and nothing of the other, quiet, pollers).
    expect(statements() - before).toBe(3);
  });

  it('scan a run suspended after they went quiet, and expire it when its time comes', async () => {
    const { store } = countingStore(true);
    const now = Date.now();
    await pollRound(store, now);
    await store.recordRunStart({ id: 'run_waiting', threadId: null, owner, model: 'm', startedAt: now });
    await store.suspendedRuns?.suspend({
      runId: 'run_waiting',
      owner,
      sessionId: 'sess_1',
      threadId: null,
      snapshot: { request: { messages: [{ role: 'user', content: 'hi' }] } },
      calls: [{ toolCallId: 'call_0', kind: 'approval', nonce: 'nonce-0', toolName: 'delete_file' }],
      suspendedAt: now,
      expiresAt: now + 1_000,
    });
    const { suspended } = await pollRound(store, now + 2_000);
    expect(suspended.expired).toEqual(['run_waiting']);
  });

  it('always ask a database that other processes may write', async () => {
    const { store, statements } = countingStore(false);
    await pollRound(store, Date.now());
    const afterFirst = statements();
    await pollRound(store, Date.now());
    expect(statements()).toBe(afterFirst * 2);
  });
});
