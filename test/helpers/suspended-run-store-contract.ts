import { randomBytes } from 'node:crypto';
import { expect, it } from 'vitest';
import type { SuspendedRun, SuspensionHold } from '../../src/core/suspended-run-store.js';
import type { ThreadOwner } from '../../src/core/thread-store.js';
import type { CarryingThreadStore as ThreadStore } from '../../src/database/carried-stores.js';

const hex = (bytes: number): string => randomBytes(bytes).toString('hex');

/** A recorded run of `owner` suspended on two approvals, in a thread of its own. */
async function suspendOne(
  store: ThreadStore,
  owner: ThreadOwner,
  expiresAt: number,
  limits?: { maxRunsOfOwner?: number },
  hold?: SuspensionHold,
): Promise<SuspendedRun> {
  const thread = await store.createThread(owner, {});
  const runId = `run_${hex(6)}`;
  await store.recordRunStart({ id: runId, threadId: thread?.id ?? null, owner, model: 'm', startedAt: 1 });
  const run: SuspendedRun = {
    runId,
    owner,
    sessionId: `sess_${hex(16)}`,
    threadId: thread?.id ?? null,
    snapshot: { request: { messages: [{ role: 'user', content: 'hi \u0000' }] }, lastSeq: 7 },
    calls: [
      { toolCallId: 'call_0', kind: 'approval', nonce: hex(16), toolName: 'delete_file' },
      { toolCallId: 'call_1', kind: 'client_tool', nonce: hex(16), toolName: 'pick_date' },
    ],
    suspendedAt: Date.now(),
    expiresAt,
  };
  await store.suspendedRuns?.suspend(run, limits, hold);
  return run;
}

/** A recorded run of a fresh owner, in a thread of its own; resolves its id. */
async function recordOne(store: ThreadStore): Promise<string> {
  const owner = { apiKeyHash: hex(8) };
  const thread = await store.createThread(owner, {});
  const runId = `run_${hex(12)}`;
  await store.recordRunStart({ id: runId, threadId: thread?.id ?? null, owner, model: 'm', startedAt: 1 });
  return runId;
}

/** Registers the behaviour of `ThreadStore.suspendedRuns`, for the store `current` returns. */
export function suspendedRunContract(current: () => ThreadStore): void {
  it('suspends at most maxRunsOfOwner runs of one owner at once, and more once one resumed', async () => {
    const store = current();
    const owner = { apiKeyHash: hex(8) };
    const limits = { maxRunsOfOwner: 2 };
    const first = await suspendOne(store, owner, Date.now() + 60_000, limits);
    await suspendOne(store, owner, Date.now() + 60_000, limits);
    // Suspending the same run again replaces it: it is not one more.
    await store.suspendedRuns?.suspend(first, limits);
    await expect(suspendOne(store, owner, Date.now() + 60_000, limits)).rejects.toMatchObject({
      code: 'limit_reached',
    });
    // Another owner has caps of its own.
    await suspendOne(store, { apiKeyHash: hex(8) }, Date.now() + 60_000, limits);
    await store.suspendedRuns?.markResumed(first.runId, Date.now());
    await suspendOne(store, owner, Date.now() + 60_000, limits);
  });

  it('suspends a run: its record says suspended, its calls are found by owner, id and nonce only', async () => {
    const store = current();
    const owner = { apiKeyHash: hex(8), user: 'ada' };
    const run = await suspendOne(store, owner, Date.now() + 60_000);
    expect((await store.getRun(owner, run.runId))?.status).toBe('suspended');
    const [approval] = run.calls;
    const found = await store.suspendedRuns?.findCall(owner, 'call_0', approval?.nonce ?? '');
    expect(found).toMatchObject({ runId: run.runId, call: { kind: 'approval', toolName: 'delete_file' } });
    expect(await store.suspendedRuns?.findCall(owner, 'call_0', hex(16))).toBeUndefined();
    expect(
      await store.suspendedRuns?.findCall({ apiKeyHash: owner.apiKeyHash }, 'call_0', approval?.nonce ?? ''),
    ).toBeUndefined();
    expect(await store.suspendedRuns?.ofThread(run.threadId ?? '')).toBe(run.runId);
  });

  it('lists the owner’s unanswered calls of a suspended run, and none once resumed', async () => {
    const store = current();
    const owner = { apiKeyHash: hex(8) };
    const run = await suspendOne(store, owner, Date.now() + 60_000);
    const suspended = store.suspendedRuns;
    expect(
      (await suspended?.pendingAnswers(owner, run.runId))?.map((call) => call.toolCallId).sort(),
    ).toEqual(['call_0', 'call_1']);
    expect(await suspended?.pendingAnswers({ apiKeyHash: hex(8) }, run.runId)).toBeUndefined();
    expect(await suspended?.pendingAnswers(owner, 'run_missing')).toBeUndefined();
    await suspended?.answer(run.runId, 'call_0', { approved: true, allowToolType: false }, 's1');
    expect((await suspended?.pendingAnswers(owner, run.runId))?.map((call) => call.toolCallId)).toEqual([
      'call_1',
    ]);
    await suspended?.markResumed(run.runId, Date.now());
    expect(await suspended?.pendingAnswers(owner, run.runId)).toBeUndefined();
  });

  it('stores each answer once, and a run resumes only when every call is answered, for one claimer', async () => {
    const store = current();
    const owner = { apiKeyHash: hex(8) };
    const run = await suspendOne(store, owner, Date.now() + 60_000);
    const suspended = store.suspendedRuns;
    const answers = await Promise.all([
      suspended?.answer(run.runId, 'call_0', { approved: true, allowToolType: false }, 's1'),
      suspended?.answer(run.runId, 'call_0', { approved: false, allowToolType: false }, 's2'),
    ]);
    expect([...answers].sort()).toEqual(['already_answered', 'answered']);
    expect(await suspended?.answer(run.runId, 'call_9', null, 's1')).toBe('missing');
    expect(await suspended?.claim(run.runId, 'a', 10_000, Date.now())).toBeUndefined();
    expect((await suspended?.due(Date.now(), 10))?.resumable).not.toContain(run.runId);
    await suspended?.answer(run.runId, 'call_1', { result: { date: '2026-12-01' }, error: null }, 's1');
    expect((await suspended?.due(Date.now(), 100))?.resumable).toContain(run.runId);
    const now = Date.now();
    const claims = await Promise.all([
      suspended?.claim(run.runId, 'a', 10_000, now),
      suspended?.claim(run.runId, 'b', 10_000, now),
    ]);
    const won = claims.filter((claim) => claim !== undefined);
    expect(won).toHaveLength(1);
    expect(won[0]?.snapshot).toEqual(run.snapshot);
    expect(won[0]?.calls.map((call) => call.answer)).toHaveLength(2);
    expect((await store.getRun(owner, run.runId))?.status).toBe('running');
    // A live claim hides the run from scans; a lapsed one shows it again.
    expect((await suspended?.due(now + 5_000, 100))?.resumable).not.toContain(run.runId);
    expect((await suspended?.due(now + 20_000, 100))?.resumable).toContain(run.runId);
    await suspended?.markResumed(run.runId, now);
    await suspended?.markResumed(run.runId, now);
    expect(await suspended?.claim(run.runId, 'c', 10_000, now + 20_000)).toBeUndefined();
    expect(await suspended?.ofThread(run.threadId ?? '')).toBeUndefined();
    expect((await suspended?.due(now + 20_000, 100))?.resumable).not.toContain(run.runId);
    // A resumed run's answered calls stay until its expiry: a repeated answer is told so.
    const again = await suspended?.findCall(owner, 'call_0', run.calls[0]?.nonce ?? '');
    expect(again?.call.answer).toBeDefined();
    expect(await suspended?.purgeResumed(run.expiresAt + 1)).toBeGreaterThanOrEqual(1);
    expect(await suspended?.findCall(owner, 'call_0', run.calls[0]?.nonce ?? '')).toBeUndefined();
    await suspended?.remove(run.runId);
  });

  it('holds a suspension until its holder releases it: answered, it is neither due nor claimed before', async () => {
    const store = current();
    const owner = { apiKeyHash: hex(8) };
    const now = Date.now();
    const run = await suspendOne(store, owner, now + 60_000, undefined, {
      holder: 'h1',
      until: now + 30_000,
    });
    const suspended = store.suspendedRuns;
    // Answers are stored as usual while it is held.
    expect(await suspended?.answer(run.runId, 'call_0', { approved: true, allowToolType: false }, 's1')).toBe(
      'answered',
    );
    expect(await suspended?.keepAnswer(run.runId, 'call_1', { result: 1, error: null }, 's1')).toBe('kept');
    expect((await suspended?.due(now, 100))?.resumable).not.toContain(run.runId);
    expect(await suspended?.claim(run.runId, 'a', 10_000, now)).toBeUndefined();
    // Another holder's release changes nothing.
    await suspended?.release(run.runId, 'h2');
    expect(await suspended?.claim(run.runId, 'a', 10_000, now)).toBeUndefined();
    await suspended?.release(run.runId, 'h1');
    await suspended?.release(run.runId, 'h1');
    expect((await suspended?.due(now, 100))?.resumable).toContain(run.runId);
    expect(await suspended?.claim(run.runId, 'a', 10_000, now)).toBeDefined();
    // A release that comes late (the hold lapsed and the run was claimed) leaves the claim alone.
    await suspended?.release(run.runId, 'h1');
    expect(await suspended?.claim(run.runId, 'b', 10_000, now)).toBeUndefined();
  });

  it('lets a hold lapse by itself: a holder that died does not keep its run forever', async () => {
    const store = current();
    const now = Date.now();
    const run = await suspendOne(store, { apiKeyHash: hex(8) }, now + 60_000, undefined, {
      holder: 'h1',
      until: now + 30_000,
    });
    const suspended = store.suspendedRuns;
    await suspended?.answer(run.runId, 'call_0', { approved: false, allowToolType: false }, 's1');
    await suspended?.answer(run.runId, 'call_1', { result: 1, error: null }, 's1');
    expect(await suspended?.claim(run.runId, 'a', 10_000, now + 29_000)).toBeUndefined();
    expect(await suspended?.claim(run.runId, 'a', 10_000, now + 31_000)).toBeDefined();
  });

  it('cancels a suspended run once: its record ends cancelled, and a cancel and a resumption claim never both win', async () => {
    const store = current();
    const owner = { apiKeyHash: hex(8) };
    const waiting = await suspendOne(store, owner, Date.now() + 60_000);
    const suspended = store.suspendedRuns;
    expect(await suspended?.cancel(waiting.runId, Date.now())).toBe(true);
    expect(await suspended?.cancel(waiting.runId, Date.now())).toBe(false);
    expect((await store.getRun(owner, waiting.runId))?.status).toBe('cancelled');
    expect((await suspended?.due(Date.now(), 100))?.expired).not.toContain(waiting.runId);
    expect(await suspended?.claim(waiting.runId, 'a', 10_000, Date.now() + 120_000)).toBeUndefined();
    expect(await suspended?.cancel(`run_${hex(6)}`, Date.now())).toBe(false);

    // Every call answered: a claim and a cancel race, exactly one wins.
    const race = await suspendOne(store, owner, Date.now() + 60_000);
    await suspended?.answer(race.runId, 'call_0', { approved: true, allowToolType: false }, 's1');
    await suspended?.answer(race.runId, 'call_1', { result: null, error: null }, 's1');
    const now = Date.now();
    const [claimed, cancelled] = await Promise.all([
      suspended?.claim(race.runId, 'a', 10_000, now),
      suspended?.cancel(race.runId, now),
    ]);
    expect([claimed !== undefined, cancelled === true].filter(Boolean)).toHaveLength(1);
    expect((await store.getRun(owner, race.runId))?.status).toBe(
      cancelled === true ? 'cancelled' : 'running',
    );
  });

  it('lists an unanswered run past its expiry as expired, claimable once', async () => {
    const store = current();
    const owner = { apiKeyHash: hex(8) };
    const run = await suspendOne(store, owner, Date.now() - 1);
    const due = await store.suspendedRuns?.due(Date.now(), 1_000);
    expect(due?.expired).toContain(run.runId);
    expect(due?.resumable).not.toContain(run.runId);
    const claimed = await store.suspendedRuns?.claim(run.runId, 'a', 10_000, Date.now());
    expect(claimed?.calls.every((call) => call.answer === undefined)).toBe(true);
  });

  it('keeps an answer given while the run ran, once, and makes it the call’s answer when the run is suspended', async () => {
    const store = current();
    const owner = { apiKeyHash: hex(8) };
    const thread = await store.createThread(owner, {});
    const runId = `run_${hex(6)}`;
    await store.recordRunStart({ id: runId, threadId: thread?.id ?? null, owner, model: 'm', startedAt: 1 });
    const suspended = store.suspendedRuns;
    expect(await suspended?.keepAnswer(runId, 'call_0', { approved: true, allowToolType: false }, 's1')).toBe(
      'kept',
    );
    expect(
      await suspended?.keepAnswer(runId, 'call_0', { approved: false, allowToolType: false }, 's2'),
    ).toBe('already_answered');
    expect(
      await suspended?.keepAnswer('run_unknown', 'call_0', { approved: true, allowToolType: false }, 's1'),
    ).toBe('missing');
    expect(await suspended?.keptAnswers(runId)).toEqual(
      new Map([['call_0', { approved: true, allowToolType: false }]]),
    );
    expect((await suspended?.keptAnswers('run_unknown'))?.size).toBe(0);
    await suspended?.suspend({
      runId,
      owner,
      sessionId: 's0',
      threadId: thread?.id ?? null,
      snapshot: {},
      calls: [{ toolCallId: 'call_0', kind: 'approval', nonce: hex(16), toolName: 'delete_file' }],
      suspendedAt: Date.now(),
      expiresAt: Date.now() + 60_000,
    });
    expect((await suspended?.due(Date.now(), 1_000))?.resumable).toContain(runId);
    const claimed = await suspended?.claim(runId, 'a', 10_000, Date.now());
    expect(claimed?.calls[0]).toMatchObject({
      answer: { approved: true, allowToolType: false },
      answeredBySession: 's1',
    });
  });

  it('gives a call one answer slot: an answer kept after the suspension beats a later answer to the suspended run', async () => {
    const store = current();
    const owner = { apiKeyHash: hex(8) };
    const run = await suspendOne(store, owner, Date.now() + 60_000);
    const nonce = run.calls[0]?.nonce ?? '';
    const suspended = store.suspendedRuns;
    const denial = { approved: false, allowToolType: false };
    expect(await suspended?.keepAnswer(run.runId, 'call_0', denial, 'live', nonce)).toBe('kept');
    expect(
      await suspended?.answer(run.runId, 'call_0', { approved: true, allowToolType: false }, 'late'),
    ).toBe('already_answered');
    expect((await suspended?.findCall(owner, 'call_0', nonce))?.call).toMatchObject({
      answer: denial,
      answeredBySession: 'live',
    });
    await suspended?.answer(run.runId, 'call_1', { result: {}, error: null }, 'late');
    expect((await suspended?.due(Date.now(), 1_000))?.resumable).toContain(run.runId);
  });

  it('lets an answer to the suspended run take the slot first: a live answer kept later is refused', async () => {
    const store = current();
    const owner = { apiKeyHash: hex(8) };
    const run = await suspendOne(store, owner, Date.now() + 60_000);
    const nonce = run.calls[0]?.nonce ?? '';
    const suspended = store.suspendedRuns;
    const approval = { approved: true, allowToolType: false };
    expect(await suspended?.answer(run.runId, 'call_0', approval, 'first')).toBe('answered');
    expect(
      await suspended?.keepAnswer(
        run.runId,
        'call_0',
        { approved: false, allowToolType: false },
        'live',
        nonce,
      ),
    ).toBe('already_answered');
    expect(await suspended?.keptAnswers(run.runId)).toEqual(new Map([['call_0', approval]]));
  });

  it('lets a later call that reuses an id (another nonce) take the slot of an earlier one', async () => {
    const store = current();
    const owner = { apiKeyHash: hex(8) };
    const thread = await store.createThread(owner, {});
    const runId = `run_${hex(6)}`;
    await store.recordRunStart({ id: runId, threadId: thread?.id ?? null, owner, model: 'm', startedAt: 1 });
    const suspended = store.suspendedRuns;
    const first = { approved: true, allowToolType: false };
    const second = { approved: false, allowToolType: false };
    expect(await suspended?.keepAnswer(runId, 'call_0', first, 's1', 'nonce-one')).toBe('kept');
    expect(await suspended?.keepAnswer(runId, 'call_0', second, 's1', 'nonce-two')).toBe('kept');
    expect(await suspended?.keepAnswer(runId, 'call_0', first, 's2', 'nonce-two')).toBe('already_answered');
    expect(await suspended?.keptAnswers(runId)).toEqual(new Map([['call_0', second]]));
  });

  it('claims an approved call’s execution for one of racing takers; the others read the outcome it recorded', async () => {
    const store = current();
    const runId = await recordOne(store);
    const suspended = store.suspendedRuns;
    const approval = { approved: true, allowToolType: false };
    expect(await suspended?.keepAnswer(runId, 'call_0', approval, 's1', 'nonce-one')).toBe('kept');
    const takers = ['live', 'resumed', 'scan', 'other-instance'];
    const claims = await Promise.all(
      takers.map(async (taker) => suspended?.claimExecution(runId, 'call_0', taker)),
    );
    expect(claims.filter((claim) => claim === 'claimed')).toHaveLength(1);
    expect(claims.filter((claim) => claim === 'taken')).toHaveLength(takers.length - 1);
    const winner = takers[claims.indexOf('claimed')] ?? '';
    expect(await suspended?.executionOf(runId, 'call_0')).toEqual({ claimer: winner });
    const loser = takers.find((taker) => taker !== winner) ?? '';
    await suspended?.recordExecution(runId, 'call_0', loser, { ok: true, result: 'forged', server: null });
    expect(await suspended?.executionOf(runId, 'call_0')).toEqual({ claimer: winner });
    const outcome = { ok: true, result: { charged: 500 }, server: null };
    await suspended?.recordExecution(runId, 'call_0', winner, outcome);
    expect(await suspended?.executionOf(runId, 'call_0')).toEqual({ claimer: winner, outcome });
    expect(await suspended?.claimExecution(runId, 'call_0', 'late')).toBe('taken');
    // A call whose answer was never kept has no slot: nothing else can hold its approval.
    expect(await suspended?.claimExecution(runId, 'call_9', 'live')).toBe('unkept');
    expect(await suspended?.executionOf(runId, 'call_9')).toBeUndefined();
  });

  it('frees the execution claim for a later call that reuses an id (another nonce)', async () => {
    const store = current();
    const runId = await recordOne(store);
    const suspended = store.suspendedRuns;
    const approval = { approved: true, allowToolType: false };
    await suspended?.keepAnswer(runId, 'call_0', approval, 's1', 'nonce-one');
    expect(await suspended?.claimExecution(runId, 'call_0', 'first')).toBe('claimed');
    await suspended?.recordExecution(runId, 'call_0', 'first', { ok: true, result: 1, server: null });
    expect(await suspended?.keepAnswer(runId, 'call_0', approval, 's1', 'nonce-two')).toBe('kept');
    expect(await suspended?.executionOf(runId, 'call_0')).toBeUndefined();
    expect(await suspended?.claimExecution(runId, 'call_0', 'second')).toBe('claimed');
  });

  it('forgets a suspension when its thread is deleted', async () => {
    const store = current();
    const owner = { apiKeyHash: hex(8) };
    const run = await suspendOne(store, owner, Date.now() + 60_000);
    await store.deleteThread(owner, run.threadId ?? '');
    expect(await store.suspendedRuns?.findCall(owner, 'call_0', run.calls[0]?.nonce ?? '')).toBeUndefined();
    expect((await store.suspendedRuns?.due(Date.now() + 120_000, 1_000))?.expired).not.toContain(run.runId);
  });
}
