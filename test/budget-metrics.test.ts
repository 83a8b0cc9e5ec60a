import { afterEach, describe, expect, it } from 'vitest';
import { silentLogger } from '../src/core/logger.js';
import { createPgEngine } from '../src/database/sql/pg-engine.js';
import { runMigrations } from '../src/database/sql/run-migrations.js';
import { createSqlBudgetCounters } from '../src/database/sql/sql-budget-counters.js';
import { createGatewayApp } from '../src/server/create-gateway-app.js';
import { createMemoryStores } from '../src/stores/memory/create-memory-stores.js';
import { createScriptedProvider } from '../src/testing/scripted-provider.js';
import { textTurn } from '../src/testing/scripted-turn.js';
import { bearerRequest } from './helpers/bearer-request.js';
import { tenantMember } from './helpers/budget-test-callers.js';
import { createCleanupStack } from './helpers/cleanup-stack.js';
import { startGatewayClient } from './helpers/gateway-client.js';
import { postgresUnavailableReason, startPostgresServer } from './helpers/postgres-server.js';
import { prometheusSample, scrapeMetrics } from './helpers/prometheus-sample.js';
import { scriptedRuntime } from './helpers/scripted-runtime.js';
import { readAllSseFrames } from './helpers/sse-reader.js';

/*
 * The budget metrics, scraped from a running gateway: spend by tenant and model, refusals by
 * scope kind and code, and the calls admitted while the counter store was down.
 */

const cleanup = createCleanupStack();
afterEach(() => cleanup.run());

/** $50 per million output tokens: a call capped at 1 000 output tokens may cost $0.05. */
const prices = { 'scripted-model': { inputPerMTokUsd: 0, outputPerMTokUsd: 50 } };
const chat = { messages: [{ role: 'user', content: 'hi' }] };

describe('budget metrics at GET /metrics', () => {
  it('counts settled spend by tenant and model, and refusals by the refusing scope kind', async () => {
    const scripted = createScriptedProvider({
      turns: [
        textTurn('ok', { usage: { outputTokens: 10 } }),
        textTurn('ok', { usage: { outputTokens: 30 } }),
      ],
    });
    const app = createGatewayApp({
      buildChatRuntime: scriptedRuntime(scripted, { maxTokens: 1_000 }),
      server: {
        auth: { authenticate: tenantMember },
        metrics: true,
        budgets: [{ scope: 'tenant', limitUsd: 1, window: 'day' }],
        // Tenant "poor" is on a plan of one cent a day: below a call's worst case.
        budgetFor: (payer) =>
          payer.tenant === 'poor' ? [{ scope: 'tenant', limitUsd: 0.01, window: 'day' }] : undefined,
        prices,
      },
    });
    const { baseUrl } = cleanup.add(await startGatewayClient(app), (client) => client.close());

    for (const caller of ['acme.ada', 'acme.bob']) {
      const admitted = await bearerRequest(baseUrl, 'POST', '/chat', caller, chat);
      expect(admitted.status).toBe(200);
      await readAllSseFrames(admitted);
    }
    const refused = await bearerRequest(baseUrl, 'POST', '/chat', 'poor.cy', chat);
    expect(refused.status).toBe(429);
    await refused.body?.cancel();

    const text = await scrapeMetrics(baseUrl);
    // 10 and 30 output tokens at $50 per million.
    expect(
      prometheusSample(text, 'agent_gateway_budget_spend_usd_total', {
        tenant: 'acme',
        model: 'scripted-model',
      }),
    ).toBeCloseTo(0.002, 9);
    expect(prometheusSample(text, 'agent_gateway_budget_spend_usd_total', { tenant: 'poor' })).toBe(0);
    expect(
      prometheusSample(text, 'agent_gateway_budget_refusals_total', {
        scope: 'tenant',
        code: 'budget_exceeded',
      }),
    ).toBe(1);
    expect(text).not.toMatch(/agent_gateway_budget_refusals_total\{[^}]*acme|poor/);
    expect(prometheusSample(text, 'agent_gateway_budget_store_failures_total')).toBe(0);
    expect(scripted.requests).toHaveLength(2);
  });

  it.skipIf(postgresUnavailableReason() !== undefined)(
    'counts a call admitted with the counter store down (failOpen), and a refusal of one that fails closed',
    async () => {
      const postgres = await startPostgresServer();
      cleanup.add(postgres, (server) => server.destroy());
      const engine = createPgEngine(await postgres.createDatabase(), { logger: silentLogger });
      cleanup.add(engine, (opened) => opened.close());
      await runMigrations(engine);
      // The counters live in their own PostgreSQL, which the test stops; the rest stays in memory.
      const stores = { ...createMemoryStores(), budgetCounters: createSqlBudgetCounters(engine) };
      cleanup.add(stores, (owned) => owned.close());
      const reported: string[] = [];
      const gateway = async (failOpen: boolean) => {
        const scripted = createScriptedProvider({ turns: [textTurn('ok'), textTurn('ok')] });
        const app = createGatewayApp({
          buildChatRuntime: scriptedRuntime(scripted, { maxTokens: 1_000 }),
          server: {
            auth: { authenticate: tenantMember },
            store: stores,
            metrics: true,
            budgets: [{ scope: 'tenant', limitUsd: 1, window: 'day' }],
            budgetStore: { failOpen, timeoutMs: 1_000 },
            prices,
            onError: (_error, where) => reported.push(where),
          },
        });
        const client = cleanup.add(await startGatewayClient(app), (started) => started.close());
        return { baseUrl: client.baseUrl, scripted };
      };
      const open = await gateway(true);
      const closed = await gateway(false);
      const before = await bearerRequest(open.baseUrl, 'POST', '/chat', 'acme.ada', chat);
      expect(before.status).toBe(200);
      await readAllSseFrames(before);

      await postgres.stop();
      const admitted = await bearerRequest(open.baseUrl, 'POST', '/chat', 'acme.ada', chat);
      expect(admitted.status).toBe(200);
      await readAllSseFrames(admitted);
      const refused = await bearerRequest(closed.baseUrl, 'POST', '/chat', 'acme.ada', chat);
      expect(refused.status).toBe(503);
      expect(await refused.json()).toMatchObject({ code: 'budget_store_unavailable' });

      const openText = await scrapeMetrics(open.baseUrl);
      expect(prometheusSample(openText, 'agent_gateway_budget_store_failures_total')).toBe(1);
      expect(reported.filter((where) => where.includes('budgetStore.failOpen'))).toHaveLength(1);
      expect(prometheusSample(openText, 'agent_gateway_budget_refusals_total')).toBe(0);
      const closedText = await scrapeMetrics(closed.baseUrl);
      expect(prometheusSample(closedText, 'agent_gateway_budget_store_failures_total')).toBe(0);
      expect(
        prometheusSample(closedText, 'agent_gateway_budget_refusals_total', {
          scope: 'none',
          code: 'budget_store_unavailable',
        }),
      ).toBe(1);
      expect(open.scripted.requests).toHaveLength(2);
      expect(closed.scripted.requests).toHaveLength(0);
    },
  );
});
