import { afterEach, describe, expect, it } from 'vitest';
import type { Provider } from '../src/core/provider.js';
import { createGatewayApp } from '../src/server/create-gateway-app.js';
import { createMemoryDatabase } from '../src/database/memory/memory-database.js';
import { createScriptedProvider } from '../src/testing/scripted-provider.js';
import { textTurn, toolCallTurn } from '../src/testing/scripted-turn.js';
import { bearerRequest } from './helpers/bearer-request.js';
import { holdingProvider, tenantMember as member } from './helpers/budget-test-callers.js';
import { createCleanupStack } from './helpers/cleanup-stack.js';
import { startGatewayClient } from './helpers/gateway-client.js';
import {
  createMemoryBudgetGate,
  type DoubleBudget,
  type MemoryBudgetGate,
} from './helpers/memory-budget-gate.js';
import { scriptedRuntime, type ScriptedRuntimeOptions } from './helpers/scripted-runtime.js';
import { eventsOf, readAllSseFrames } from './helpers/sse-reader.js';

const cleanup = createCleanupStack();
afterEach(() => cleanup.run());

/** Output at $50 per million tokens: a call capped at 1 000 output tokens costs at most $0.05. */
const prices = { 'scripted-model': { inputPerMTok: 0, outputPerMTok: 50 } };

async function startBudgetedGateway(
  budgets: DoubleBudget[],
  provider: Provider,
  options: { database?: boolean; handlers?: ScriptedRuntimeOptions['handlers'] } = {},
): Promise<{ baseUrl: string; gate: MemoryBudgetGate }> {
  const gate = createMemoryBudgetGate({ budgets, prices });
  const app = createGatewayApp({
    buildChatRuntime: scriptedRuntime(provider as Parameters<typeof scriptedRuntime>[0], {
      maxTokens: 1_000,
      ...(options.handlers === undefined ? {} : { handlers: options.handlers }),
    }),
    budgetGate: gate,
    server: {
      auth: { authenticate: member },
      maxConcurrentRuns: 100,
      ...(options.database === true ? { database: createMemoryDatabase() } : {}),
    },
  });
  const client = cleanup.add(await startGatewayClient(app), (started) => started.close());
  return { baseUrl: client.baseUrl, gate };
}

const chat = (baseUrl: string, token: string, message = 'hello'): Promise<Response> =>
  bearerRequest(baseUrl, 'POST', '/chat', token, { messages: [{ role: 'user', content: message }] });

describe('gateway budgets at the HTTP boundary', () => {
  it('admits exactly the chats whose worst case fits: 20 of 50 reach the model, 30 get 429 before any call', async () => {
    const scripted = createScriptedProvider({
      turns: Array.from({ length: 50 }, () => textTurn('ok', { usage: { outputTokens: 10 } })),
    });
    const held = holdingProvider(scripted);
    const { baseUrl, gate } = await startBudgetedGateway(
      [{ kind: 'tenant', id: 'acme', limitUsd: 1, window: 'month' }],
      held.provider,
    );
    const responses = await Promise.all(
      Array.from({ length: 50 }, (_, index) => chat(baseUrl, `acme.user${index}`)),
    );
    const refused = responses.filter((response) => response.status === 429);
    const admitted = responses.filter((response) => response.status === 200);
    expect(admitted).toHaveLength(20);
    expect(refused).toHaveLength(30);
    const body = (await refused[0]?.json()) as Record<string, unknown>;
    expect(body).toMatchObject({ code: 'budget_exceeded', scope: 'tenant:acme', limit_usd: 1 });
    expect(typeof body['error']).toBe('string');
    expect(typeof body['resets_at']).toBe('string');
    expect(Number(refused[0]?.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(admitted[0]?.headers.get('x-budget-limit-usd')).toBe('1');
    expect(admitted[0]?.headers.get('x-budget-reset')).toMatch(/^\d{4}-\d\d-\d\dT/);
    for (const response of refused.slice(1)) await response.body?.cancel();

    held.release();
    for (const response of admitted) {
      expect(eventsOf(await readAllSseFrames(response)).at(-1)?.type).toBe('stream_complete');
    }
    expect(held.reached()).toBe(20);
    expect(gate.reservedMicros()).toBe(0);
    // 20 calls of 10 output tokens at $50/M.
    expect(gate.spentMicros('tenant:acme')).toBe(20 * 500);
  });

  it('answers 402 for a total budget, and 503 budget_store_unavailable when the store is down', async () => {
    const scripted = createScriptedProvider({ turns: [textTurn('never')] });
    const { baseUrl, gate } = await startBudgetedGateway(
      [{ kind: 'subject', id: 'ada', limitUsd: 0.01, window: 'total' }],
      scripted,
    );
    const total = await chat(baseUrl, 'acme.ada');
    expect(total.status).toBe(402);
    expect(await total.json()).toMatchObject({
      code: 'budget_exceeded',
      scope: 'subject:ada',
      resets_at: null,
    });

    gate.failing = true;
    const down = await chat(baseUrl, 'acme.bob');
    expect(down.status).toBe(503);
    expect(await down.json()).toMatchObject({ code: 'budget_store_unavailable' });
    expect(Number(down.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(scripted.requests).toHaveLength(0);
  });

  it('ends a run that reaches its budget after its first tool step as budget_exceeded, the step kept', async () => {
    // The first call's worst case ($0.05) fits a $0.06 budget; it spends $0.025, and the next
    // call's worst case does not fit what is left.
    const scripted = createScriptedProvider({
      turns: [
        toolCallTurn('lookup', { q: 'x' }, { id: 'call_1', usage: { outputTokens: 500 } }),
        textTurn('never'),
      ],
    });
    const { baseUrl } = await startBudgetedGateway(
      [{ kind: 'tenant', id: 'acme', limitUsd: 0.06, window: 'day' }],
      scripted,
      { database: true, handlers: { lookup: () => ({ found: true }) } },
    );
    const response = await bearerRequest(baseUrl, 'POST', '/runs', 'acme.ada', {
      messages: [{ role: 'user', content: 'look it up' }],
    });
    expect(response.status).toBeLessThan(300);
    const { run_id: runId } = (await response.json()) as { run_id: string };
    let record: Record<string, unknown> = {};
    for (let tries = 0; tries < 200; tries += 1) {
      record = (await (await bearerRequest(baseUrl, 'GET', `/runs/${runId}`, 'acme.ada')).json()) as Record<
        string,
        unknown
      >;
      if (record['status'] !== 'running') break;
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
    expect(record).toMatchObject({ status: 'budget_exceeded', outcome_code: 'budget_exceeded' });
    expect(scripted.requests).toHaveLength(1);
    const threadId = record['thread_id'] as string;
    const thread = await (await bearerRequest(baseUrl, 'GET', `/threads/${threadId}`, 'acme.ada')).json();
    expect(JSON.stringify(thread)).toContain('found');
  });
});
