import { afterEach, describe, expect, it } from 'vitest';
import type { LedgerRow } from '../src/core/budget-counter-store.js';
import { silentLogger } from '../src/core/logger.js';
import { createPgEngine } from '../src/database/sql/pg-engine.js';
import { createSqlBudgetCounters } from '../src/database/sql/sql-budget-counters.js';
import { textTurn } from '../src/testing/scripted-turn.js';
import { bearerRequest } from './helpers/bearer-request.js';
import { tenantMember } from './helpers/budget-test-callers.js';
import { createCleanupStack } from './helpers/cleanup-stack.js';
import { startMockAgent } from './helpers/start-mock-agent.js';
import { eventsOfType, readAllSseFrames } from './helpers/sse-reader.js';
import { useSharedPostgresServer } from './helpers/shared-postgres-server.js';
import { waitFor } from './helpers/wait-for.js';

/*
 * Prices through `createAgent` and the official provider SDKs against the local mock upstream:
 * a chat streamed to its client and a background run (answered without a stream) with the same
 * usage cost the same, cache tokens each at their own `server.prices` rate, in the ledger and in
 * the run's `estimated_cost` alike.
 */

const cleanup = createCleanupStack();
afterEach(() => cleanup.run());
const { unavailable, createDatabase } = useSharedPostgresServer();

const MODEL = 'claude-sonnet-4-5';
/** Not the table's $3/$15/$0.30/$3.75: an override the ledger and estimated_cost must both use. */
const override = {
  inputPerMTokUsd: 1,
  outputPerMTokUsd: 2,
  cacheReadPerMTokUsd: 0.5,
  cacheWritePerMTokUsd: 4,
};

const flavors = [
  // 1 000 + 400 + 2 000 + 2 000 micro-dollars.
  {
    flavor: 'anthropic',
    usage: { inputTokens: 1_000, outputTokens: 200, cacheReadTokens: 4_000, cacheCreationTokens: 500 },
    micros: 5_400,
  },
  // OpenAI reports no cache writes: 1 000 + 400 + 2 000.
  {
    flavor: 'openai',
    usage: { inputTokens: 1_000, outputTokens: 200, cacheReadTokens: 4_000 },
    micros: 3_400,
  },
] as const;

describe.skipIf(unavailable !== undefined)('budget prices through the provider SDKs', () => {
  it.each(flavors)(
    'records the same cost for a streamed chat and a background run with the same usage ($flavor), at the server.prices override',
    async ({ flavor, usage, micros }) => {
      const postgres = await createDatabase();
      const { upstream, gateway } = await startMockAgent(cleanup, {
        flavor,
        turns: [textTurn('streamed', { usage }), textTurn('in the background', { usage })],
        agent: {
          model: MODEL,
          thinking: false,
          server: {
            auth: { authenticate: tenantMember },
            database: { postgres },
            budgets: [{ scope: 'tenant', limitUsd: 10, window: 'day' }],
            prices: { [MODEL]: override },
          },
        },
      });
      const chat = await bearerRequest(gateway.baseUrl, 'POST', '/chat', 'acme.ada', {
        messages: [{ role: 'user', content: 'hi' }],
      });
      expect(chat.status).toBe(200);
      const [complete] = eventsOfType(await readAllSseFrames(chat), 'stream_complete');
      expect(complete?.usage.estimated_cost).toBe(micros / 1_000_000);

      const started = await bearerRequest(gateway.baseUrl, 'POST', '/runs', 'acme.ada', {
        messages: [{ role: 'user', content: 'in the background' }],
      });
      expect(started.status).toBeLessThan(300);
      const { run_id: runId } = (await started.json()) as { run_id: string };
      const record = await waitFor(async () => {
        const read = (await (
          await bearerRequest(gateway.baseUrl, 'GET', `/runs/${runId}`, 'acme.ada')
        ).json()) as Record<string, unknown>;
        return read['status'] === 'running' || read['status'] === 'queued' ? undefined : read;
      });
      expect(record).toMatchObject({ status: 'completed', estimated_cost: micros / 1_000_000 });
      upstream.assertAllConsumed();

      const engine = createPgEngine(postgres, { logger: silentLogger });
      cleanup.add(engine, (opened) => opened.close());
      const rows: LedgerRow[] = [];
      for await (const row of createSqlBudgetCounters(engine).ledger({ tenant: 'acme' })) rows.push(row);
      expect(rows.map((row) => [row.costMicros, row.priceVersion, row.kind])).toEqual([
        [micros, 'override', 'settled'],
        [micros, 'override', 'settled'],
      ]);
      expect(rows[0]?.usage).toEqual(rows[1]?.usage);
    },
  );

  it('refuses a model without a price under a budget with model_unpriced, naming server.prices, before any call', async () => {
    const { upstream, gateway } = await startMockAgent(cleanup, {
      turns: [],
      agent: {
        model: 'house-model-7',
        thinking: false,
        server: {
          auth: { authenticate: tenantMember },
          database: { postgres: await createDatabase() },
          budgets: [{ scope: 'tenant', limitUsd: 10, window: 'day' }],
        },
      },
    });
    const refused = await bearerRequest(gateway.baseUrl, 'POST', '/chat', 'acme.ada', {
      messages: [{ role: 'user', content: 'hi' }],
    });
    expect(refused.status).toBe(400);
    const body = (await refused.json()) as Record<string, unknown>;
    expect(body['code']).toBe('model_unpriced');
    expect(String(body['error'])).toContain('server.prices');
    expect(upstream.requests).toHaveLength(0);
  });
});
