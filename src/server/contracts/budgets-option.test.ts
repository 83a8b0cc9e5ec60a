import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { budgetOptionsShape } from './budgets-option.js';

const schema = z.strictObject(budgetOptionsShape);

const problemsOf = (value: unknown): string[] => {
  const parsed = schema.safeParse(value);
  return parsed.success
    ? []
    : parsed.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`);
};

describe('the budget options of server', () => {
  it('defaults to no budgets, no price overrides and counters that fail closed', () => {
    expect(schema.parse({})).toEqual({
      budgets: [],
      prices: {},
      budgetStore: { failOpen: false, leaseMs: 900_000, timeoutMs: 2_000, sweepIntervalMs: 60_000 },
    });
  });

  it('accepts a monthly tenant budget in Berlin time and an override price', () => {
    const parsed = schema.parse({
      budgets: [
        { scope: 'tenant', limitUsd: 200, window: 'month', timeZone: 'Europe/Berlin', softAtPercent: 80 },
      ],
      prices: { 'my-model': { inputPerMTokUsd: 1, outputPerMTokUsd: 2 } },
    });
    expect(parsed.budgets[0]?.timeZone).toBe('Europe/Berlin');
  });

  it('names the field and the allowed values of a bad budget', () => {
    expect(
      problemsOf({ budgets: [{ scope: 'team', limitUsd: -1, window: 'hour', timeZone: 'Mars/Olympus' }] }),
    ).toEqual([
      'budgets.0.scope: must be one of "tenant", "subject", "apiKey", "agent"',
      'budgets.0.limitUsd: must not be negative',
      'budgets.0.window: must be one of "day", "week", "month", "total"',
      'budgets.0.timeZone: must be an IANA time zone such as "Europe/Berlin" or "UTC"',
    ]);
  });
});
