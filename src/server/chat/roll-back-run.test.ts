import { describe, expect, it } from 'vitest';
import type { SessionRecord } from '../../core/stores.js';
import { createMemoryThreadStore } from '../../database/memory/memory-thread-store.js';
import type { GatewayServerConfig } from '../contracts/gateway-config.js';
import { createGatewayDatabase } from '../database/gateway-database.js';
import { rollBackRun } from './roll-back-run.js';

const owner = { apiKeyHash: 'key-hash', user: 'ada' };
const session = { sessionId: 'sess_1', apiKeyHash: owner.apiKeyHash, user: owner.user } as SessionRecord;

describe('rollBackRun', () => {
  it('drops the messages of a run whose start was still on its way to the database when the rollback began', async () => {
    const store = createMemoryThreadStore();
    await store.createThread(owner, { id: 'thr' });
    await store.appendMessages('thr', 'run_kept', 0, [{ role: 'user', content: 'keep me' }]);
    const database = createGatewayDatabase(store);
    // The run's start is written as it starts waiting; here it lands a moment after the rollback
    // asked, with its messages and its end (cancelled) right behind it.
    const recorded = (async () => {
      await new Promise((resolve) => setTimeout(resolve, 20));
      await store.recordRunStart({ id: 'run_gone', threadId: 'thr', owner, model: 'm', startedAt: 1 });
      await store.appendMessages('thr', 'run_gone', 1, [{ role: 'user', content: 'drop me' }]);
      await store.recordRunEnd('run_gone', {
        status: 'cancelled',
        outcomeCode: 'cancelled',
        turns: 0,
        usage: null,
        estimatedCostUsd: null,
        endedAt: 2,
      });
    })();
    database.trackRunStart('run_gone', { whenRecorded: () => recorded, writeIfDue: () => undefined });

    await rollBackRun({
      context: { config: { database } as unknown as GatewayServerConfig, report: () => undefined },
      session,
      runId: 'run_gone',
      signal: new AbortController().signal,
    });

    await recorded;
    const left = await store.loadMessages(owner, 'thr');
    expect(left?.map((message) => message.message)).toEqual([{ role: 'user', content: 'keep me' }]);
  });
});
