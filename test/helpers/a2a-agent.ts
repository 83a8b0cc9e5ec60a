import { a2aClientFor } from './a2a-client.js';
import type { CleanupStack } from './cleanup-stack.js';
import { startGuardedToolAgent } from './guarded-tool-agent.js';
import type { StartMockAgentOptions } from './start-mock-agent.js';

/**
 * A guarded-tool agent (`delete_file` behind approval) served over A2A, with a session and the
 * SDK's client for it; `server` adds server options.
 */
export async function startA2aAgent(
  cleanup: CleanupStack,
  turns: StartMockAgentOptions['turns'],
  server: Record<string, unknown> = {},
) {
  const started = await startGuardedToolAgent(
    cleanup,
    turns,
    { name: 'delete_file', description: 'Deletes a file', field: 'path', resultKey: 'deleted' },
    { spec: { server: { a2a: true, ...server } } },
  );
  const origin = new URL(started.gateway.baseUrl).origin;
  const client = await a2aClientFor(origin, started.session.token);
  return { ...started, origin, client };
}
