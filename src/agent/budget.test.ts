import { describe, expect, it } from 'vitest';
import { isGatewayError } from '../core/errors.js';
import { CostAccumulator } from './budget.js';

describe('CostAccumulator', () => {
  it('is exceeded once the total reaches the budget', () => {
    const accumulator = new CostAccumulator(1);
    expect(accumulator.add(0.6)).toBeCloseTo(0.6);
    expect(accumulator.exceeded).toBe(false);
    accumulator.add(0.4);
    expect(accumulator.exceeded).toBe(true);
  });

  it('is never exceeded without a budget', () => {
    const accumulator = new CostAccumulator();
    accumulator.add(1e9);
    expect(accumulator.exceeded).toBe(false);
    expect(accumulator.total).toBe(1e9);
  });

  it('ignores negative and non-finite costs', () => {
    const accumulator = new CostAccumulator();
    accumulator.add(-1);
    accumulator.add(Number.NaN);
    expect(accumulator.total).toBe(0);
  });

  it.each([0, -1, Number.NaN, Number.POSITIVE_INFINITY])('rejects a budget of %s', (budget) => {
    let thrown: unknown;
    try {
      new CostAccumulator(budget);
    } catch (error) {
      thrown = error;
    }
    expect(isGatewayError(thrown, 'invalid_option')).toBe(true);
  });
});
