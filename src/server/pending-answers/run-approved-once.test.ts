import { describe, expect, it } from 'vitest';
import { databaseStoresOf } from '../../agent-spec/database-stores-of.js';
import type { SuspendedRunStore } from '../../core/suspended-run-store.js';
import type { ToolOutcome } from '../../core/tool.js';
import { createMemoryThreadStore } from '../../database/memory/memory-thread-store.js';
import { runApprovedOnceOf } from './run-approved-once.js';

/*
 * The claim that runs an approved call once, over a memory database: the path that claims runs
 * the tool and records its outcome; another continues with that outcome; a claim that cannot be
 * taken never runs the tool.
 */

const call = { id: 'call_0', name: 'pay', input: {}, callIndex: 0 };
const signal = new AbortController().signal;
const approval = { approved: true, allowToolType: false };

/** A recorded run of a memory database whose call `call_0` has a kept approval. */
async function runWithKeptApproval() {
  const database = databaseStoresOf(createMemoryThreadStore());
  const owner = { apiKeyHash: 'key' };
  const runId = 'run_1';
  await database.threads.recordRunStart({ id: runId, threadId: null, owner, model: 'm', startedAt: 1 });
  const store = database.suspendedRuns;
  if (store === undefined) throw new Error('a store of suspended runs expected');
  await store.keepAnswer(runId, call.id, approval, 'session', 'nonce');
  const pathOf = (suspended: SuspendedRunStore = store, waitMs = 1_000) =>
    runApprovedOnceOf({
      config: {
        database: { current: () => ({ ...database, suspendedRuns: suspended }) },
        suspendAfterMs: 100,
      },
      runId,
      report: () => undefined,
      pollMs: 1,
      waitMs,
    });
  return { store, pathOf };
}

describe('runApprovedOnceOf', () => {
  it('runs the tool on the path that claims it; another path continues with its recorded outcome', async () => {
    const { pathOf } = await runWithKeptApproval();
    const [live, resumed] = [pathOf(), pathOf()];
    let runs = 0;
    const execute = (): Promise<ToolOutcome> => {
      runs += 1;
      return Promise.resolve({ ok: true, result: { charged: 500 }, server: null });
    };
    expect(await live?.(call, execute, signal)).toEqual({ ok: true, result: { charged: 500 }, server: null });
    expect(await resumed?.(call, execute, signal)).toEqual({
      ok: true,
      result: { charged: 500 },
      server: null,
    });
    expect(runs).toBe(1);
  });

  it('fails closed when the claim cannot be taken: the tool does not run', async () => {
    const { store, pathOf } = await runWithKeptApproval();
    const broken: SuspendedRunStore = {
      ...store,
      claimExecution: () => Promise.reject(new Error('database down')),
    };
    let runs = 0;
    const outcome = await pathOf(broken)?.(
      call,
      () => ((runs += 1), Promise.resolve({ ok: true, result: 1, server: null })),
      signal,
    );
    expect(outcome).toMatchObject({ ok: false, error: { code: 'execution_unclaimed' } });
    expect(runs).toBe(0);
  });

  it('reports the call interrupted, never running it, when the winner never records an outcome', async () => {
    const { store, pathOf } = await runWithKeptApproval();
    expect(await store.claimExecution('run_1', call.id, 'a path that died')).toBe('claimed');
    const outcome = await pathOf(store, 0)?.(call, () => Promise.reject(new Error('must not run')), signal);
    expect(outcome).toMatchObject({ ok: false, error: { code: 'interrupted' } });
  });

  it('is absent without a database or with suspension off: a single path holds each approval', () => {
    expect(
      runApprovedOnceOf({ config: { suspendAfterMs: 100 }, runId: 'r', report: () => undefined }),
    ).toBeUndefined();
    const database = databaseStoresOf(createMemoryThreadStore());
    expect(
      runApprovedOnceOf({
        config: { database: { current: () => database }, suspendAfterMs: false },
        runId: 'r',
        report: () => undefined,
      }),
    ).toBeUndefined();
  });
});
