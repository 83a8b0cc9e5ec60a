import { afterEach, describe, expect, it } from 'vitest';
import { createGatewayApp } from '../src/server/create-gateway-app.js';
import { createScriptedProvider } from '../src/testing/scripted-provider.js';
import { textTurn } from '../src/testing/scripted-turn.js';
import { bearerRequest } from './helpers/bearer-request.js';
import { holdingProvider, tenantMember as member } from './helpers/budget-test-callers.js';
import { createCleanupStack } from './helpers/cleanup-stack.js';
import { startGatewayClient } from './helpers/gateway-client.js';
import { scriptedRuntime } from './helpers/scripted-runtime.js';
import { eventsOf, readAllSseFrames } from './helpers/sse-reader.js';
import { useSharedPostgresServer } from './helpers/shared-postgres-server.js';

/*
 * The wiring against the product's gate (`server.budgets`): two instances on one PostgreSQL, a
 * $1.00 tenant budget and 50 concurrent chats whose worst case is $0.05 each.
 */

const cleanup = createCleanupStack();
afterEach(() => cleanup.run());
const { unavailable, createDatabase } = useSharedPostgresServer();

describe.skipIf(unavailable !== undefined)(
  'budgets on the real gate, two instances on one PostgreSQL',
  () => {
    it('lets exactly 20 of 50 concurrent chats reach the model and refuses 30 with 429 before any call', async () => {
      const scripted = createScriptedProvider({
        turns: Array.from({ length: 50 }, () => textTurn('ok', { usage: { outputTokens: 10 } })),
      });
      const held = holdingProvider(scripted);
      const postgres = await createDatabase();
      const instance = async () => {
        const app = createGatewayApp({
          buildChatRuntime: scriptedRuntime(held.provider as typeof scripted, { maxTokens: 1_000 }),
          server: {
            auth: { authenticate: member },
            maxConcurrentRuns: 100,
            database: { postgres },
            budgets: [{ scope: 'tenant', limitUsd: 1, window: 'month' }],
            prices: { 'scripted-model': { inputPerMTokUsd: 0, outputPerMTokUsd: 50 } },
          },
        });
        return cleanup.add(await startGatewayClient(app), (client) => client.close());
      };
      const [first, second] = [await instance(), await instance()];
      const responses = await Promise.all(
        Array.from({ length: 50 }, (_, index) =>
          bearerRequest((index % 2 === 0 ? first : second).baseUrl, 'POST', '/chat', `acme.user${index}`, {
            messages: [{ role: 'user', content: 'hi' }],
          }),
        ),
      );
      const admitted = responses.filter((response) => response.status === 200);
      const refused = responses.filter((response) => response.status === 429);
      expect(admitted).toHaveLength(20);
      expect(refused).toHaveLength(30);
      expect(await refused[0]?.json()).toMatchObject({
        code: 'budget_exceeded',
        scope: 'tenant:acme',
        limit_usd: 1,
      });
      for (const response of refused.slice(1)) await response.body?.cancel();
      expect(admitted[0]?.headers.get('x-budget-limit-usd')).toBe('1');
      held.release();
      for (const response of admitted) {
        expect(eventsOf(await readAllSseFrames(response)).at(-1)?.type).toBe('stream_complete');
      }
      expect(held.reached()).toBe(20);
      // Which 20 of the 50 get in is up to the race: ask for the spend of one that did.
      const spender = responses.findIndex((response) => response.status === 200);
      const usage = (await (
        await bearerRequest(first.baseUrl, 'GET', '/usage?group_by=model', `acme.user${spender}`)
      ).json()) as Record<string, unknown>;
      // One call of 10 output tokens at $50/M.
      expect(usage).toMatchObject({ scope: `subject:user${spender}`, spent_usd: 0.0005, calls: 1 });
    });
  },
);
