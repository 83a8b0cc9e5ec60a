import { afterEach, describe, expect, it } from 'vitest';
import type { GatewayStores } from '../src/core/stores.js';
import { createMemoryStores } from '../src/stores/memory/create-memory-stores.js';
import { textTurn } from '../src/testing/scripted-turn.js';
import { createCleanupStack } from './helpers/cleanup-stack.js';
import { readAllSseFrames, textOf } from './helpers/sse-reader.js';
import { startMockAgent } from './helpers/start-mock-agent.js';

const cleanup = createCleanupStack();
afterEach(() => cleanup.run());

/** Memory stores whose session lock is given back `delayMs` late, as after a slow end write. */
const slowToRelease = (delayMs: number): GatewayStores => {
  const stores = createMemoryStores();
  const { sessions } = stores;
  return {
    ...stores,
    sessions: {
      ...sessions,
      acquireRunLock: (sessionId) => sessions.acquireRunLock(sessionId),
      releaseRunLock: async (sessionId) => {
        await new Promise((resolve) => setTimeout(resolve, delayMs));
        await sessions.releaseRunLock(sessionId);
      },
    },
  };
};

describe('the next message right after stream_complete', () => {
  it('is served once the finished run is put away, not refused with 409', async () => {
    const { upstream, gateway } = await startMockAgent(cleanup, {
      turns: [textTurn('First answer.'), textTurn('Second answer.')],
      agent: { server: { store: slowToRelease(400) } },
    });
    const session = await gateway.openSession();
    expect(textOf(await readAllSseFrames(await gateway.chat(session.token, 'one')))).toBe('First answer.');

    // The client read the terminal event and sends at once, while the run is still being put away.
    const next = await gateway.chat(session.token, 'two');
    expect(next.status).toBe(200);
    expect(textOf(await readAllSseFrames(next))).toBe('Second answer.');
    upstream.assertAllConsumed();
  });
});
