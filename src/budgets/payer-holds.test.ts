import { describe, expect, it } from 'vitest';
import { budgetsFor, scopesOf, type BudgetRule } from './budget-rules.js';
import { counterHoldOf } from './counter-hold-of.js';
import { createPayerHolds } from './payer-holds.js';

const rules: BudgetRule[] = [
  { scope: 'tenant', limitUsd: 200, window: 'month', timeZone: 'Europe/Berlin' },
  { scope: 'subject', limitUsd: 20, window: 'day' },
  { scope: 'apiKey', limitUsd: 5, window: 'total' },
];
const acme = { tenant: 'acme', subject: 'ada' };
const nov28 = Date.UTC(2026, 10, 28, 12);

describe('createPayerHolds', () => {
  it('holds what budgetsFor and counterHoldOf make, for every configured budget that applies', () => {
    const payers = createPayerHolds(rules);
    const holds = payers.configuredHolds(payers.factsOf(acme), nov28);
    const expected = budgetsFor(acme, rules, [], []).map((budget) => counterHoldOf(budget, nov28));
    expect(holds).toEqual(expected);
    expect(holds.map((hold) => hold.counterId)).toEqual([
      'tenant:acme|month|Europe/Berlin|2026-10-31T23:00:00.000Z',
      'subject:ada|day|UTC|2026-11-28T00:00:00.000Z',
    ]);
  });

  it("keeps a payer's scopes and a frozen copy of it, and tells an absent id from an empty one", () => {
    const payers = createPayerHolds(rules);
    const facts = payers.factsOf({ ...acme });
    expect(payers.factsOf({ tenant: 'acme', subject: 'ada' })).toBe(facts);
    expect(facts.scopes).toEqual(scopesOf(acme));
    expect(facts.payer).toEqual(acme);
    expect(Object.isFrozen(facts.payer)).toBe(true);
    const empty = payers.factsOf({ tenant: 'acme', subject: 'ada', apiKeyId: '' });
    expect(empty).not.toBe(facts);
    expect(empty.payer).toEqual({ tenant: 'acme', subject: 'ada', apiKeyId: '' });
  });

  it('gives the same frozen holds within their windows and new ones once a window ends', () => {
    const payers = createPayerHolds(rules);
    const facts = payers.factsOf(acme);
    const first = payers.configuredHolds(facts, nov28);
    expect(Object.isFrozen(first)).toBe(true);
    expect(payers.configuredHolds(facts, nov28 + 3_600_000)).toBe(first);
    // The subject's day ends at midnight UTC: the next call holds on the next day's counter.
    const nextDay = payers.configuredHolds(facts, Date.UTC(2026, 10, 29, 0, 0, 1));
    expect(nextDay).not.toBe(first);
    expect(nextDay[1]?.counterId).toBe('subject:ada|day|UTC|2026-11-29T00:00:00.000Z');
    expect(nextDay[0]?.counterId).toBe(first[0]?.counterId);
  });

  it('works the holds out again when the clock goes back before their windows', () => {
    const payers = createPayerHolds(rules);
    const facts = payers.factsOf(acme);
    payers.configuredHolds(facts, nov28);
    const earlier = payers.configuredHolds(facts, Date.UTC(2026, 9, 15));
    expect(earlier[0]?.counterId).toBe('tenant:acme|month|Europe/Berlin|2026-09-30T22:00:00.000Z');
  });

  it('lets a plan and a runtime override replace the configured budget, as budgetsFor does', () => {
    const payers = createPayerHolds(rules);
    const facts = payers.factsOf(acme);
    const plan: BudgetRule[] = [
      { scope: 'tenant', limitUsd: 50, window: 'month', timeZone: 'Europe/Berlin' },
    ];
    const override = { scope: 'subject:ada', window: 'day' as const, limitUsd: 1 };
    const holds = payers.holdsOf(facts, plan, [override], nov28);
    expect(holds.map((hold) => hold.limitMicros)).toEqual([50_000_000, 1_000_000]);
    expect(payers.holdsOf(facts, [], [], nov28)).toBe(payers.configuredHolds(facts, nov28));
  });

  it('starts again past its capacity, answering the same', () => {
    const payers = createPayerHolds(rules, 2);
    const ids = ['a', 'b', 'c', 'a'].map((subject) => {
      const facts = payers.factsOf({ tenant: 'acme', subject });
      return payers.configuredHolds(facts, nov28)[1]?.counterId;
    });
    expect(ids).toEqual([
      'subject:a|day|UTC|2026-11-28T00:00:00.000Z',
      'subject:b|day|UTC|2026-11-28T00:00:00.000Z',
      'subject:c|day|UTC|2026-11-28T00:00:00.000Z',
      'subject:a|day|UTC|2026-11-28T00:00:00.000Z',
    ]);
  });
});
