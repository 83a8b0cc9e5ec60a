import { afterEach, describe, expect, it } from 'vitest';
import { runBudgetsCommand } from '../../src/cli/budgets-command.js';
import { textTurn } from '../../src/testing/scripted-turn.js';
import { bearerRequest } from '../helpers/bearer-request.js';
import { tenantMember } from '../helpers/budget-test-callers.js';
import { createCleanupStack } from '../helpers/cleanup-stack.js';
import { eventsOf, readAllSseFrames } from '../helpers/sse-reader.js';
import { startReadmeDeployment } from './helpers/readme-deployment.js';
import { redisAndPostgresUnavailableReason, useRedisAndPostgres } from './helpers/redis-and-postgres.js';

const skipReason = redisAndPostgresUnavailableReason();
if (skipReason !== undefined) console.warn(skipReason);

const cleanup = createCleanupStack();
afterEach(() => cleanup.run());

/*
 * Issue 79's first guarantee on the README's deployment (`server.store: { redis }` and one
 * PostgreSQL, two instances), where budgets are counted in Redis: a $1.00 tenant budget and 50
 * concurrent chats whose worst case is $0.05 each.
 */
describe.skipIf(skipReason !== undefined)('budgets on the README deployment (Redis and PostgreSQL)', () => {
  const servers = useRedisAndPostgres();

  it('lets exactly 20 of 50 concurrent chats reach the model, refuses 30 with 429 before any call, and reconciles with zero drift', async () => {
    // Every call spends its whole worst case (1 000 output tokens at $50/M = $0.05), so which
    // 20 are admitted does not depend on how the 50 interleave: no settle frees room for a 21st.
    const turns = () => Array.from({ length: 25 }, () => textTurn('ok', { usage: { outputTokens: 1_000 } }));
    const { a, b } = await startReadmeDeployment(cleanup, servers, {
      turns: [turns(), turns()],
      maxTokens: 1_000,
      server: {
        auth: { authenticate: tenantMember },
        maxConcurrentRuns: 100,
        budgets: [{ scope: 'tenant', limitUsd: 1, window: 'month' }],
        prices: { 'scripted-model': { inputPerMTokUsd: 0, outputPerMTokUsd: 50 } },
      },
    });
    const responses = await Promise.all(
      Array.from({ length: 50 }, (_, index) =>
        bearerRequest((index % 2 === 0 ? a : b).client.baseUrl, 'POST', '/chat', `acme.user${index}`, {
          messages: [{ role: 'user', content: 'hi' }],
        }),
      ),
    );
    const admitted = responses.filter((response) => response.status === 200);
    const refused = responses.filter((response) => response.status === 429);
    expect([admitted.length, refused.length]).toEqual([20, 30]);
    expect(await refused[0]?.json()).toMatchObject({
      code: 'budget_exceeded',
      scope: 'tenant:acme',
      limit_usd: 1,
    });
    expect(Number(refused[0]?.headers.get('retry-after'))).toBeGreaterThan(0);
    for (const response of refused.slice(1)) await response.body?.cancel();
    for (const response of admitted) {
      expect(eventsOf(await readAllSseFrames(response)).at(-1)?.type).toBe('stream_complete');
    }
    // The mock counts what reached it: the 30 refused never did.
    expect(a.provider.requests.length + b.provider.requests.length).toBe(20);

    // The counters are Redis': read them through a connection of the test's own.
    const counters = a.stores.budgetCounters;
    if (counters === undefined) throw new Error('the Redis stores keep budget counters');
    let spentMicros = 0;
    for await (const row of counters.ledger({ tenant: 'acme' })) spentMicros += row.costMicros;
    expect(spentMicros).toBeLessThanOrEqual(1_000_000);
    expect(spentMicros).toBe(20 * 50_000);

    const printed: string[] = [];
    const exitCode = await runBudgetsCommand('budgets', ['reconcile'], {
      out: (line) => printed.push(line),
      err: (line) => printed.push(line),
      openCounters: () => Promise.resolve({ counters, close: () => Promise.resolve() }),
    });
    expect(printed).toEqual(['no drift']);
    expect(exitCode).toBe(0);
  });
});
