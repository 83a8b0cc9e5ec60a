import { afterEach, describe, expect, it } from 'vitest';
import type { Principal } from '../src/core/principal.js';
import { createGatewayApp } from '../src/server/create-gateway-app.js';
import { createScriptedProvider } from '../src/testing/scripted-provider.js';
import { textTurn } from '../src/testing/scripted-turn.js';
import { bearerRequest } from './helpers/bearer-request.js';
import { createCleanupStack } from './helpers/cleanup-stack.js';
import { startGatewayClient } from './helpers/gateway-client.js';
import { createMemoryBudgetGate } from './helpers/memory-budget-gate.js';
import { scriptedRuntime } from './helpers/scripted-runtime.js';
import { useSharedPostgresServer } from './helpers/shared-postgres-server.js';
import { waitFor } from './helpers/wait-for.js';

/*
 * One tenant budget refuses every surface that calls a model: a chat, an A2A call and a
 * schedule's fire, each before any model call.
 */

const cleanup = createCleanupStack();
afterEach(() => cleanup.run());
const { unavailable, createDatabase } = useSharedPostgresServer();

const member = (request: Request): Principal | null => {
  const match = /^Bearer ([a-z]+)\.([a-z0-9]+)$/.exec(request.headers.get('authorization') ?? '');
  return match === null ? null : { tenant: match[1] ?? '', subject: match[2] ?? '', scopes: [], claims: {} };
};

/** $50 per million output tokens: a call capped at 1 000 output tokens may cost $0.05, over the $0.01 budget. */
const prices = { 'scripted-model': { inputPerMTok: 0, outputPerMTok: 50 } };

describe.skipIf(unavailable !== undefined)('a budget at its limit refuses every surface', () => {
  it('refuses a chat, an A2A call and a schedule fire by the same tenant budget, none reaching the model', async () => {
    const scripted = createScriptedProvider({ turns: [textTurn('never')] });
    const gate = createMemoryBudgetGate({
      budgets: [{ kind: 'tenant', id: 'acme', limitUsd: 0.01, window: 'day' }],
      prices,
    });
    const app = createGatewayApp({
      buildChatRuntime: scriptedRuntime(scripted, { maxTokens: 1_000 }),
      budgetGate: gate,
      server: {
        auth: { authenticate: member },
        a2a: true,
        database: { postgres: await createDatabase() },
        schedules: { pollIntervalMs: 100, minIntervalMs: 1_000 },
      },
    });
    const { baseUrl } = cleanup.add(await startGatewayClient(app), (client) => client.close());

    const chat = await bearerRequest(baseUrl, 'POST', '/chat', 'acme.ada', {
      messages: [{ role: 'user', content: 'hi' }],
    });
    expect(chat.status).toBe(429);
    expect(await chat.json()).toMatchObject({ code: 'budget_exceeded', scope: 'tenant:acme' });

    const a2a = await bearerRequest(baseUrl, 'POST', '/a2a', 'acme.bob', {
      jsonrpc: '2.0',
      id: 1,
      method: 'message/send',
      params: {
        message: { kind: 'message', messageId: 'm-1', role: 'user', parts: [{ kind: 'text', text: 'hi' }] },
      },
    });
    expect(a2a.status).toBe(429);
    expect(await a2a.json()).toMatchObject({ code: 'budget_exceeded', scope: 'tenant:acme' });
    expect(Number(a2a.headers.get('retry-after'))).toBeGreaterThan(0);

    const created = (await (
      await bearerRequest(baseUrl, 'POST', '/schedules', 'acme.cy', { cron: '* * * * * *', message: 'go' })
    ).json()) as { schedule_id: string };
    const fires = await waitFor(
      async () => {
        const page = (await (
          await bearerRequest(baseUrl, 'GET', `/schedules/${created.schedule_id}/fires`, 'acme.cy')
        ).json()) as { fires: Array<Record<string, unknown>> };
        return page.fires.some((fire) => fire['status'] === 'refused') ? page.fires : undefined;
      },
      { timeoutMs: 20_000 },
    );
    const refused = fires.find((fire) => fire['status'] === 'refused');
    expect(String(refused?.['error'])).toMatch(/^budget_exceeded: /);
    expect(scripted.requests).toHaveLength(0);
    expect(gate.asked.length).toBeGreaterThanOrEqual(3);
  });
});
