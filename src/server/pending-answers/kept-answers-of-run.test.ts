import { describe, expect, it } from 'vitest';
import type { RunCheckpoint } from '../../core/run-takeover.js';
import type { SuspendedRunStore } from '../../core/suspended-run-store.js';
import type { DatabaseStores } from '../../core/database-stores.js';
import { createMemoryThreadStore } from '../../database/memory/memory-thread-store.js';
import { keptAnswersOfRun } from './kept-answers-of-run.js';

const owner = { apiKeyHash: 'key' };
const noReport = (error: unknown): never => {
  throw error;
};

/** A checkpoint of one tool turn: `toolu_done` finished, the others still in flight. */
const checkpointOf = (ids: readonly string[]): RunCheckpoint => ({
  messages: [{ role: 'user', content: 'go' }],
  turns: 1,
  tokens: { inputTokens: 1, outputTokens: 1, cacheReadTokens: 0, cacheCreationTokens: 0 },
  toolsInFlight: {
    calls: ['toolu_done', ...ids].map((id) => ({ type: 'tool_use', id, name: 'a_tool', input: {} })),
    finished: {
      toolu_done: {
        resultBlock: { type: 'tool_result', tool_use_id: 'toolu_done', content: 'ok' },
        extraBlocks: [],
      },
    },
    stopReason: 'tool_use',
  },
});

/** A memory database in which run `run_1` started; `keptAnswers` reads are counted. */
async function databaseWithRun() {
  const store = createMemoryThreadStore();
  await store.recordRunStart({ id: 'run_1', threadId: null, owner, model: 'm', startedAt: 0 });
  const suspendedRuns = store.suspendedRuns;
  if (suspendedRuns === undefined) throw new Error('the memory store keeps suspended runs');
  const reads: string[] = [];
  const counted: SuspendedRunStore = {
    ...suspendedRuns,
    keptAnswers: (runId) => {
      reads.push(runId);
      return suspendedRuns.keptAnswers(runId);
    },
  };
  const database: DatabaseStores = { threads: store, suspendedRuns: counted, close: () => store.close() };
  return { suspendedRuns, reads, config: { database: { current: () => database }, suspendAfterMs: 60_000 } };
}

describe('keptAnswersOfRun', () => {
  it('answers the unfinished calls from their kept answers; denials and client results run as never started', async () => {
    const { suspendedRuns, config } = await databaseWithRun();
    await suspendedRuns.keepAnswer('run_1', 'toolu_done', { approved: true, allowToolType: false }, 's');
    await suspendedRuns.keepAnswer('run_1', 'toolu_approved', { approved: true, allowToolType: false }, 's');
    await suspendedRuns.keepAnswer('run_1', 'toolu_denied', { approved: false, allowToolType: false }, 's');
    await suspendedRuns.keepAnswer('run_1', 'toolu_client', { result: { city: 'Lyon' }, error: null }, 's');
    const checkpoint = checkpointOf(['toolu_approved', 'toolu_denied', 'toolu_client', 'toolu_open']);

    const kept = await keptAnswersOfRun({ config, runId: 'run_1', checkpoint, report: noReport });

    expect(kept?.answers).toEqual(
      new Map<string, unknown>([
        ['toolu_approved', { approved: true, allowToolType: false }],
        ['toolu_denied', { approved: false, allowToolType: false }],
        ['toolu_client', { result: { city: 'Lyon' }, error: null }],
      ]),
    );
    // An approval that approves stays under the takeover's rule: the dead instance may have run it.
    expect(kept?.checkpoint.toolsInFlight?.awaitingAnswer).toEqual(['toolu_denied', 'toolu_client']);
    expect(kept?.checkpoint.messages).toEqual(checkpoint.messages);
  });

  it('does not read the database for a run without calls in flight, nor with suspension off', async () => {
    const { reads, config } = await databaseWithRun();
    const finished = checkpointOf([]);
    const { toolsInFlight: _inFlight, ...betweenTurns } = finished;
    for (const checkpoint of [undefined, betweenTurns, finished]) {
      expect(
        await keptAnswersOfRun({ config, runId: 'run_1', checkpoint, report: noReport }),
      ).toBeUndefined();
    }
    const off = { ...config, suspendAfterMs: false as const };
    const open = checkpointOf(['toolu_open']);
    expect(
      await keptAnswersOfRun({ config: off, runId: 'run_1', checkpoint: open, report: noReport }),
    ).toBeUndefined();
    expect(reads).toEqual([]);
  });

  it('leaves the run to ask again when nothing was kept, or when the database cannot be read', async () => {
    const { suspendedRuns, config } = await databaseWithRun();
    const checkpoint = checkpointOf(['toolu_open']);
    expect(await keptAnswersOfRun({ config, runId: 'run_1', checkpoint, report: noReport })).toBeUndefined();

    const threads = createMemoryThreadStore();
    const broken: DatabaseStores = {
      threads,
      close: () => threads.close(),
      suspendedRuns: {
        ...suspendedRuns,
        keptAnswers: () => Promise.reject(new Error('database down')),
      },
    };
    const reported: string[] = [];
    const failing = await keptAnswersOfRun({
      config: { database: { current: () => broken }, suspendAfterMs: 60_000 },
      runId: 'run_1',
      checkpoint,
      report: (_error, where) => reported.push(where),
    });
    expect(failing).toBeUndefined();
    expect(reported).toEqual(['reading the answers kept for run run_1']);
  });
});
