import { afterEach, describe, expect, it } from 'vitest';
import { bearerRequest } from './helpers/bearer-request.js';
import { chatAs, startBudgetedGateway } from './helpers/budgeted-gateway.js';
import { createCleanupStack } from './helpers/cleanup-stack.js';

const cleanup = createCleanupStack();
afterEach(() => cleanup.run());

const tenLimit = { window: 'month', limit_usd: 0.1 };

describe('limits set through PUT /budgets/:scope/:id', () => {
  it('are refused with 409 budgets_off when the gateway enforces no budget, instead of stored to apply to nothing', async () => {
    const { baseUrl, provider } = await startBudgetedGateway(cleanup, {});
    const set = await bearerRequest(baseUrl, 'PUT', '/budgets/tenant/acme', 'acme.root', tenLimit);
    expect(set.status).toBe(409);
    expect(await set.json()).toMatchObject({
      code: 'budgets_off',
      error: expect.stringContaining('server.budgetFor') as unknown,
    });
    for (let chat = 0; chat < 3; chat += 1) expect((await chatAs(baseUrl, 'acme.ada')).status).toBe(200);
    expect(provider.requests.length).toBe(3);
  });

  it('apply on their own when budgetFor answers no plan, counted where GET /usage reads (no database): the third $0.05 chat under $0.10 gets 429 before any model call', async () => {
    const { baseUrl, provider } = await startBudgetedGateway(cleanup, { budgetFor: () => undefined });
    const set = await bearerRequest(baseUrl, 'PUT', '/budgets/tenant/acme', 'acme.root', tenLimit);
    expect(set.status).toBe(200);
    expect((await chatAs(baseUrl, 'acme.ada')).status).toBe(200);
    expect((await chatAs(baseUrl, 'acme.bob')).status).toBe(200);
    const third = await chatAs(baseUrl, 'acme.cy');
    expect(third.status).toBe(429);
    expect(JSON.parse(third.body)).toMatchObject({
      code: 'budget_exceeded',
      scope: 'tenant:acme',
      limit_usd: 0.1,
    });
    expect(provider.requests.length).toBe(2);
    expect((await chatAs(baseUrl, 'other.ada')).status).toBe(200);
    const usage = await bearerRequest(baseUrl, 'GET', '/usage', 'acme.ada');
    expect(await usage.json()).toMatchObject({
      scope: 'subject:ada',
      spent_usd: 0.05,
      budgets: [{ scope: 'tenant:acme', limit_usd: 0.1, spent_usd: 0.1, source: 'override' }],
    });
  });
});
