import * as prom from 'prom-client';
import { describe, expect, it } from 'vitest';
import { MAX_TENANT_LABELS, refusalScopeLabel, registerBudgetMetrics } from './budget-metrics.js';

describe('budget metrics', () => {
  it('names the first tenants in the spend label and counts every later one as other', async () => {
    const registry = new prom.Registry();
    const metrics = registerBudgetMetrics(prom, [registry]);
    for (let index = 0; index <= MAX_TENANT_LABELS; index += 1) metrics.recordSpend(`t${index}`, 'm', 1);
    metrics.recordSpend(undefined, 'm', 2);
    const text = await registry.metrics();
    expect(text).toContain('agent_gateway_budget_spend_usd_total{tenant="t0",model="m"} 1');
    expect(text).toContain(
      `agent_gateway_budget_spend_usd_total{tenant="t${MAX_TENANT_LABELS - 1}",model="m"} 1`,
    );
    expect(text).not.toContain(`tenant="t${MAX_TENANT_LABELS}"`);
    expect(text).toContain('agent_gateway_budget_spend_usd_total{tenant="other",model="m"} 1');
    expect(text).toContain('agent_gateway_budget_spend_usd_total{tenant="none",model="m"} 2');
  });

  it('labels a refusal by its scope kind, never the scope id', () => {
    expect(refusalScopeLabel('tenant:acme')).toBe('tenant');
    expect(refusalScopeLabel('apiKey:5f3c')).toBe('apiKey');
    expect(refusalScopeLabel('agent:all')).toBe('agent');
    expect(refusalScopeLabel(undefined)).toBe('none');
    expect(refusalScopeLabel('weird')).toBe('none');
  });
});
