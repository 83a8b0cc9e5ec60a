import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { repositoryRoot } from './helpers/template-project.js';

interface AlertRule {
  alert: string;
  expr: string;
  labels: { severity: string };
  annotations: { summary: string };
}

/** Every metric name the gateway registers (the `name:` of each prom-client metric). */
async function registeredMetricNames(): Promise<Set<string>> {
  const folder = join(repositoryRoot, 'src', 'server', 'metrics');
  const names = new Set<string>();
  for (const file of (await readdir(folder)).filter(
    (name) => name.endsWith('.ts') && !name.endsWith('.test.ts'),
  )) {
    const source = await readFile(join(folder, file), 'utf8');
    for (const match of source.matchAll(/name: '([a-z_]+)'/g))
      if (match[1] !== undefined) names.add(match[1]);
  }
  return names;
}

describe('the shipped Prometheus alert rules', () => {
  it('name only metrics the gateway registers (histogram series included) and Prometheus up', async () => {
    const rules = parse(
      await readFile(join(repositoryRoot, 'deploy', 'prometheus', 'agent-gateway-alerts.yaml'), 'utf8'),
    ) as { groups: { name: string; rules: AlertRule[] }[] };
    const registered = await registeredMetricNames();
    expect(registered.has('agent_gateway_http_requests_total')).toBe(true);
    const alerts = rules.groups.flatMap((group) => group.rules);
    expect(alerts.length).toBeGreaterThan(5);
    for (const rule of alerts) {
      expect(rule.labels.severity).toMatch(/^(critical|warning|info)$/);
      expect(rule.annotations.summary).not.toBe('');
      const used = rule.expr.match(/\b(agent_gateway|gen_ai|gateway)_[a-z_]+/g) ?? [];
      // Only the instance-down rule may rest on Prometheus' own `up` alone.
      if (used.length === 0) expect(rule.expr).toMatch(/^up\{/);
      for (const metric of used) {
        const base = metric.replace(/_(bucket|sum|count)$/, '');
        expect(registered.has(metric) || registered.has(base), `${rule.alert} uses ${metric}`).toBe(true);
      }
    }
  });
});
