import { readFile } from 'node:fs/promises';
import * as prom from 'prom-client';
import { describe, expect, it } from 'vitest';
import { createGatewayMetrics } from '../src/server/metrics/create-gateway-metrics.js';

const documentation = new URL('../docs/observability.md', import.meta.url);

/** `name → type` of the metric table in docs/observability.md (rows of a `metric | type` table). */
async function documentedMetrics(): Promise<Map<string, string>> {
  const text = await readFile(documentation, 'utf8');
  const rows = new Map<string, string>();
  for (const match of text.matchAll(/^\| `([a-z_]+)`\s*\| (counter|gauge|histogram)\s*\|/gm)) {
    const [, name, type] = match;
    if (name !== undefined && type !== undefined) rows.set(name, type);
  }
  return rows;
}

/** `name → type` of every metric the gateway registers, every optional one included. */
async function registeredMetrics(): Promise<Map<string, string>> {
  const metrics = createGatewayMetrics(prom, {
    model: 'claude-test',
    activeRuns: () => 0,
    runFollowers: () => 0,
    storeRoundTrips: () => 0,
    circuits: () => [],
    budgets: true,
  });
  const { body } = await metrics.render();
  const types = new Map<string, string>();
  for (const match of body.matchAll(/^# TYPE (\S+) (\S+)$/gm)) {
    const [, name, type] = match;
    if (name !== undefined && type !== undefined) types.set(name, type);
  }
  return types;
}

describe('the metrics docs/observability.md lists', () => {
  it('are the metrics the gateway registers, both ways, with the same types', async () => {
    const documented = await documentedMetrics();
    const registered = await registeredMetrics();
    expect(registered.size).toBeGreaterThan(10);
    expect(
      [...documented.keys()].filter((name) => !registered.has(name)),
      'documented, not registered',
    ).toEqual([]);
    expect(
      [...registered.keys()].filter((name) => !documented.has(name)),
      'registered, not documented',
    ).toEqual([]);
    expect(Object.fromEntries(documented)).toEqual(Object.fromEntries(registered));
  });

  it('are not said to be unmeasured anywhere in the page', async () => {
    const text = await readFile(documentation, 'utf8');
    expect(text).not.toMatch(/not yet measured/i);
  });
});
