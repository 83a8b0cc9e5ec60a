import { afterEach, describe, expect, it } from 'vitest';
import type { RunStartRecord, ThreadStore } from '../src/core/thread-store.js';
import { RUN_START_WRITE_DELAY_MS } from '../src/server/threads/run-recorder.js';
import { createMemoryThreadStore } from '../src/database/memory/memory-thread-store.js';
import { textTurn } from '../src/testing/scripted-turn.js';
import { createCleanupStack } from './helpers/cleanup-stack.js';
import { jsonOf } from './helpers/gateway-client.js';
import { createSseReader, readAllSseFrames, textOf } from './helpers/sse-reader.js';
import { startMockAgent } from './helpers/start-mock-agent.js';

const cleanup = createCleanupStack();
afterEach(() => cleanup.run());

/** A memory thread store that lists the run starts written to it. */
function storeCountingStarts(): { store: ThreadStore; starts: RunStartRecord[] } {
  const inner = createMemoryThreadStore();
  const starts: RunStartRecord[] = [];
  const store: ThreadStore = Object.assign(Object.create(inner) as ThreadStore, {
    recordRunStart: async (run: RunStartRecord) => {
      starts.push(run);
      return inner.recordRunStart(run);
    },
  });
  return { store, starts };
}

describe('the start record of a run recorded alongside it', () => {
  it('is not written for a run that ends sooner: its end writes the whole record once', async () => {
    const { store, starts } = storeCountingStarts();
    const { gateway } = await startMockAgent(cleanup, {
      turns: [textTurn('Quick.', { usage: { inputTokens: 3, outputTokens: 1 } })],
      agent: { server: { database: store } },
    });
    const session = await gateway.openSession();
    const frames = await readAllSseFrames(
      await gateway.chat(session.token, {
        messages: [{ role: 'user', content: 'hi' }],
        thread_id: 'thr_quick',
      }),
    );
    expect(textOf(frames)).toBe('Quick.');
    const runId = String(frames[0]?.runId);
    const run = await jsonOf(
      await fetch(`${gateway.baseUrl}/runs/${runId}`, {
        headers: { authorization: `Bearer ${session.token}` },
      }),
    );
    expect(run).toMatchObject({ run_id: runId, thread_id: 'thr_quick', status: 'completed', turns: 1 });
    expect(Date.parse(String(run['ended_at']))).toBeGreaterThanOrEqual(Date.parse(String(run['started_at'])));
    await new Promise((resolve) => setTimeout(resolve, RUN_START_WRITE_DELAY_MS + 100));
    expect(starts).toEqual([]);
  });

  it('is written while a longer run streams, without anyone asking', async () => {
    const { store, starts } = storeCountingStarts();
    const { gateway } = await startMockAgent(cleanup, {
      turns: [textTurn('one two three four five six', { eventDelayMs: 120 })],
      agent: { server: { database: store } },
    });
    const session = await gateway.openSession();
    const reader = createSseReader(
      await gateway.chat(session.token, {
        messages: [{ role: 'user', content: 'hi' }],
        thread_id: 'thr_slow',
      }),
    );
    await reader.nextOfType('text_delta');
    const runId = reader.frames[0]?.runId;
    await expect.poll(() => starts.map((start) => start.id), { timeout: 5_000 }).toEqual([runId]);
    const recorded = await store.ownerOf?.('run', String(runId));
    expect(recorded).toBeDefined();
    const row = recorded === undefined ? undefined : await store.getRun(recorded, String(runId));
    expect(row?.status).toBe('running');
    await reader.rest();
  });
});
