import type { CreateAgentOptions } from '../../src/server/contracts/create-agent-options.js';
import { createMemoryThreadStore } from '../../src/database/memory/memory-thread-store.js';
import { approverRole } from './approver-role.js';
import { bearerRequest } from './bearer-request.js';
import type { CleanupStack } from './cleanup-stack.js';
import { startGuardedToolAgent } from './guarded-tool-agent.js';
import { memberHook } from './member-hook.js';

/**
 * An agent on the mock model (`turns`) whose `send_payment` waits for an approval that only
 * `approve:payments` may give (owners do the rest), on a memory database; members sign in with
 * `memberHook` tokens through `call`. `server` adds to those settings (`requireDistinctApprover`);
 * `port` fixes the gateway's port (default: a free one).
 */
export async function startPaymentApproverAgent(
  cleanup: CleanupStack,
  turns: Parameters<typeof startGuardedToolAgent>[1],
  server: NonNullable<CreateAgentOptions['server']> = {},
  port?: number,
) {
  const started = await startGuardedToolAgent(
    cleanup,
    turns,
    { name: 'send_payment', description: 'Pays an invoice', field: 'to', resultKey: 'paid' },
    {
      spec: {
        server: {
          auth: { authenticate: memberHook },
          authorize: approverRole('send_payment', 'approve:payments'),
          database: createMemoryThreadStore(),
          ...server,
        },
      },
      ...(port === undefined ? {} : { port }),
    },
  );
  const call = (method: string, path: string, token: string, body?: unknown): Promise<Response> =>
    bearerRequest(started.gateway.baseUrl, method, path, token, body);
  return { ...started, call };
}
