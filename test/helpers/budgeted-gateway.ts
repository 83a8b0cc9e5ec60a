import type { AuthorizeRequest } from '../../src/core/authorization.js';
import { createGatewayApp } from '../../src/server/create-gateway-app.js';
import type { ServerSpec } from '../../src/server/contracts/server-spec.js';
import { createScriptedProvider, type ScriptedProvider } from '../../src/testing/scripted-provider.js';
import { textTurn } from '../../src/testing/scripted-turn.js';
import { bearerRequest } from './bearer-request.js';
import { tenantMember } from './budget-test-callers.js';
import type { CleanupStack } from './cleanup-stack.js';
import { startGatewayClient } from './gateway-client.js';
import { scriptedRuntime } from './scripted-runtime.js';

/**
 * `server.prices` of the budget tests: output at $50 per million tokens, input free, so a call
 * capped at 1 000 output tokens holds exactly $0.05 (50 000 micro-dollars).
 */
export const FIFTY_PER_MTOK = { 'scripted-model': { inputPerMTokUsd: 0, outputPerMTokUsd: 50 } };

/** `server.authorize` of the budget tests: `root` may write limits, everyone may do the rest. */
export const rootWritesBudgets = ({ principal, action }: AuthorizeRequest): boolean =>
  action !== 'budget.write' || principal.subject === 'root';

/** One in-process gateway on the product's budget gate (`server.budgets`), and its model. */
export interface BudgetedGateway {
  baseUrl: string;
  provider: ScriptedProvider;
}

/**
 * Starts a gateway on 127.0.0.1 whose chats call a scripted model with a 1 000-token output cap,
 * each answer spending `outputTokens` (default: the whole cap, $0.05 at `FIFTY_PER_MTOK`), with
 * `Bearer <tenant>.<subject>` callers (`tenantMember`), `rootWritesBudgets` and `server` on top.
 */
export async function startBudgetedGateway(
  cleanup: CleanupStack,
  server: ServerSpec,
  options: { turns?: number; outputTokens?: number } = {},
): Promise<BudgetedGateway> {
  const provider = createScriptedProvider({
    turns: Array.from({ length: options.turns ?? 10 }, () =>
      textTurn('ok', { usage: { outputTokens: options.outputTokens ?? 1_000 } }),
    ),
  });
  const app = createGatewayApp({
    buildChatRuntime: scriptedRuntime(provider, { maxTokens: 1_000 }),
    server: {
      auth: { authenticate: tenantMember },
      authorize: rootWritesBudgets,
      prices: FIFTY_PER_MTOK,
      ...server,
    },
  });
  const client = cleanup.add(await startGatewayClient(app), (started) => started.close());
  return { baseUrl: client.baseUrl, provider };
}

/** Posts one chat as `token` and reads it to its end when admitted; resolves its status and body. */
export async function chatAs(
  baseUrl: string,
  token: string,
): Promise<{ status: number; headers: Headers; body: string }> {
  const response = await bearerRequest(baseUrl, 'POST', '/chat', token, {
    messages: [{ role: 'user', content: 'hi' }],
  });
  return { status: response.status, headers: response.headers, body: await response.text() };
}
