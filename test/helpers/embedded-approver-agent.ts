import { createAgent } from '../../src/server/assembly/create-agent.js';
import { createMockUpstream } from '../../src/testing/mock-upstream/mock-upstream.js';
import { textTurn, toolCallTurn } from '../../src/testing/scripted-turn.js';
import { approverRole } from './approver-role.js';
import { bearerRequest } from './bearer-request.js';
import type { CleanupStack } from './cleanup-stack.js';
import { deleteFileAgent } from './delete-file-agent.js';
import { startGatewayClient } from './gateway-client.js';
import { memberHook } from './member-hook.js';

/**
 * A gateway on the embedded database in `dir` whose model asks once to delete `/tmp/a` (call
 * `toolu_1`) and then says "Deleted."; `delete_file` waits for an approver of the requester's
 * tenant with `approve:files`, never the requester itself, and its run is suspended in the
 * database after 150 ms of waiting. Members sign in with `memberHook` tokens through `call`;
 * `deleted` lists the paths the tool deleted.
 */
export async function startEmbeddedApproverAgent(cleanup: CleanupStack, dir: string) {
  const upstream = cleanup.add(
    await createMockUpstream({
      anthropic: [toolCallTurn('delete_file', { path: '/tmp/a' }, { id: 'toolu_1' }), textTurn('Deleted.')],
    }),
    (server) => server.close(),
  );
  const deleted: string[] = [];
  const app = createAgent(
    deleteFileAgent(upstream.url, { embedded: { dir } }, deleted, {
      auth: { authenticate: memberHook },
      authorize: approverRole('delete_file', 'approve:files'),
      requireDistinctApprover: ['delete_file'],
    }),
  );
  const gateway = cleanup.add(await startGatewayClient(app), (client) => client.close());
  const call = (method: string, path: string, token: string, body?: unknown): Promise<Response> =>
    bearerRequest(gateway.baseUrl, method, path, token, body);
  return { gateway, deleted, call };
}
