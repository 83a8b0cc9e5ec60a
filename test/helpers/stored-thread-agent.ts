import { z } from 'zod';
import { createMemoryThreadStore } from '../../src/database/memory/memory-thread-store.js';
import type { ScriptedTurn } from '../../src/testing/scripted-turn.js';
import { tool } from '../../src/tools/define-tool.js';
import type { CleanupStack } from './cleanup-stack.js';
import { startMockAgent } from './start-mock-agent.js';

/** The key that owns the threads of `startStoredThreadAgent`'s session. */
export const OWNER_KEY = 'owner-key';
/** Another accepted key: it must never see the owner's threads. */
export const OTHER_KEY = 'other-key';

/**
 * A gateway that keeps its threads in memory, with one weather tool, accepting `OWNER_KEY` and
 * `OTHER_KEY`, and a session opened with `OWNER_KEY`.
 */
export async function startStoredThreadAgent(cleanup: CleanupStack, turns: ScriptedTurn[]) {
  const started = await startMockAgent(cleanup, {
    turns,
    agent: {
      tools: [
        tool({
          name: 'get_weather',
          description: 'Weather of a city',
          inputSchema: z.object({ city: z.string() }),
          execute: ({ city }) => ({ city, sky: 'clear' }),
        }),
      ],
      server: { validApiKeys: [OWNER_KEY, OTHER_KEY], database: createMemoryThreadStore() },
    },
  });
  const session = await started.gateway.openSession(OWNER_KEY);
  return { ...started, session };
}
