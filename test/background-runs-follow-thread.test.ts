import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ThreadOwner } from '../src/core/thread-store.js';
import { createSqlDatabase, type SqlDatabase } from '../src/database/sql/sql-database.js';
import type { SqlEngine } from '../src/database/sql/sql-engine.js';
import { runEndedPayload } from '../src/server/background/webhook-sender.js';
import { createPgliteEngineFromTemplate } from './helpers/pglite-template.js';

const owner: ThreadOwner = { apiKeyHash: 'key' };

describe('background runs and their notifications follow their thread (migration 27)', () => {
  let dir = '';
  let engine: SqlEngine;
  let db: SqlDatabase;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'agent-gateway-follow-thread-'));
    engine = await createPgliteEngineFromTemplate(dir, 'migrated');
    db = createSqlDatabase(engine);
  }, 120_000);
  afterAll(async () => {
    await db?.close();
    await rm(dir, { recursive: true, force: true });
  });

  /** A background run with a webhook, ended, its `run.ended` in the outbox. */
  const endedRun = async (runId: string, threadId: string | null, at: number): Promise<void> => {
    const runs = db.backgroundRuns;
    if (runs === undefined) throw new Error('no background run store');
    await db.threads.recordRunStart({ id: runId, threadId, owner, model: 'm', startedAt: at });
    await runs.record({
      runId,
      owner,
      sessionId: 'session_1',
      threadId,
      metadata: { run: runId },
      webhook: { url: 'https://hooks.example/runs' },
      createdAt: at,
    });
    await db.threads.recordRunEnd(runId, {
      status: 'completed',
      outcomeCode: null,
      turns: 1,
      usage: null,
      estimatedCostUsd: null,
      endedAt: at + 1,
    });
    await db.threads.flushWrites?.();
    expect(await runs.enqueueEnded(at + 2, 10, runEndedPayload)).toBe(1);
  };

  const left = async (): Promise<{ records: string[]; notifications: string[] }> => ({
    records: (
      await engine.query<{ id: string }>('SELECT run_id AS id FROM background_runs ORDER BY 1')
    ).rows.map((row) => row.id),
    notifications: (
      await engine.query<{ id: string }>('SELECT run_id AS id FROM webhook_outbox ORDER BY 1')
    ).rows.map((row) => row.id),
  });

  it("deletes a thread's background runs and notifications with it, by its owner or the retention sweep", async () => {
    const now = Date.now();
    const idle = (await db.threads.createThread(owner, { title: 'idle' }))?.id ?? '';
    await endedRun('run_idle', idle, now);
    await new Promise((resolve) => setTimeout(resolve, 20));
    const cutoff = Date.now();
    await new Promise((resolve) => setTimeout(resolve, 20));
    const active = (await db.threads.createThread(owner, { title: 'active' }))?.id ?? '';
    await endedRun('run_active', active, now);
    await endedRun('run_threadless', null, now);
    expect(await left()).toEqual({
      records: ['run_active', 'run_idle', 'run_threadless'],
      notifications: ['run_active', 'run_idle', 'run_threadless'],
    });

    expect(await db.threads.deleteThreadsIdleSince(cutoff, 10)).toBe(1);
    expect(await left()).toEqual({
      records: ['run_active', 'run_threadless'],
      notifications: ['run_active', 'run_threadless'],
    });

    expect(await db.threads.deleteThread(owner, active)).toBe(true);
    expect(await left()).toEqual({ records: ['run_threadless'], notifications: ['run_threadless'] });
    expect(await db.backgroundRuns?.get(owner, 'run_active')).toBeUndefined();
    expect(await db.backgroundRuns?.get(owner, 'run_threadless')).toMatchObject({ runId: 'run_threadless' });
  });
});
