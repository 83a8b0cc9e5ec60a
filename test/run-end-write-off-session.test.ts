import { afterEach, describe, expect, it } from 'vitest';
import type { ThreadStore } from '../src/core/thread-store.js';
import { createMemoryThreadStore } from '../src/database/memory/memory-thread-store.js';
import { textTurn } from '../src/testing/scripted-turn.js';
import { createCleanupStack } from './helpers/cleanup-stack.js';
import { jsonOf } from './helpers/gateway-client.js';
import { readAllSseFrames, textOf } from './helpers/sse-reader.js';
import { startMockAgent } from './helpers/start-mock-agent.js';

const cleanup = createCleanupStack();
afterEach(() => cleanup.run());

/** A memory thread store whose run ends wait until `open()` is called: a slow end write. */
function storeWithHeldEnds(): { store: ThreadStore; open: () => void; held: () => number } {
  const inner = createMemoryThreadStore();
  let open = (): void => undefined;
  const gate = new Promise<void>((resolve) => {
    open = resolve;
  });
  let held = 0;
  const hold = async (): Promise<void> => {
    held += 1;
    await gate;
  };
  const finishRun = inner.finishRun?.bind(inner);
  const store: ThreadStore = Object.assign(Object.create(inner) as ThreadStore, {
    recordRunEnd: async (...args: Parameters<ThreadStore['recordRunEnd']>) => {
      await hold();
      return inner.recordRunEnd(...args);
    },
    ...(finishRun === undefined
      ? {}
      : {
          finishRun: async (...args: Parameters<NonNullable<ThreadStore['finishRun']>>) => {
            await hold();
            return finishRun(...args);
          },
        }),
  });
  return { store, open, held: () => held };
}

describe('a run whose end is still being written', () => {
  it('lets its session start the next chat at once, and GET /runs/:id waits for the end', async () => {
    const { store, open, held } = storeWithHeldEnds();
    const { gateway } = await startMockAgent(cleanup, {
      turns: [textTurn('First answer.'), textTurn('Second answer.')],
      agent: { server: { database: store } },
    });
    const session = await gateway.openSession();
    const first = await readAllSseFrames(await gateway.chat(session.token, 'one'));
    expect(textOf(first)).toBe('First answer.');
    const runId = first[0]?.runId;
    await expect.poll(held).toBe(1);

    // The first run's end cannot land yet; the session's next chat does not wait for it.
    const next = await gateway.chat(session.token, 'two');
    expect(next.status).toBe(200);
    expect(textOf(await readAllSseFrames(next))).toBe('Second answer.');

    // Read on this instance, the run shows its end once it lands, not `running`.
    const reading = fetch(`${gateway.baseUrl}/runs/${runId}`, {
      headers: { authorization: `Bearer ${session.token}` },
    });
    setTimeout(open, 100);
    const run = await jsonOf(await reading);
    expect(run).toMatchObject({ run_id: runId, status: 'completed' });
  });

  it('is written before the app closes', async () => {
    const { store, open, held } = storeWithHeldEnds();
    const { gateway } = await startMockAgent(cleanup, {
      turns: [textTurn('Only answer.')],
      agent: { server: { database: store } },
    });
    const session = await gateway.openSession();
    const frames = await readAllSseFrames(await gateway.chat(session.token, 'one'));
    const runId = String(frames[0]?.runId);
    await expect.poll(held).toBe(1);

    const closing = gateway.close();
    setTimeout(open, 100);
    await closing;
    const owner = (await store.ownerOf?.('run', runId)) ?? undefined;
    expect(owner).toBeDefined();
    const record = owner === undefined ? undefined : await store.getRun(owner, runId);
    expect(record?.status).toBe('completed');
  });
});
