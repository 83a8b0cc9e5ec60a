import { GatewayError } from '../core/errors.js';

/**
 * The running cost of a run and of every sub-agent it spawns, checked against an optional
 * budget in US dollars.
 *
 * One instance is shared by a runner and its sub-agents, so a budget caps the whole tree of
 * work, not each runner separately.
 */
export class CostAccumulator {
  /** The budget in US dollars, or undefined for no limit. */
  readonly budgetUsd: number | undefined;
  #total = 0;

  /** Throws `GatewayError('invalid_option')` when the budget is not a positive finite number. */
  constructor(budgetUsd?: number) {
    if (budgetUsd !== undefined && !(Number.isFinite(budgetUsd) && budgetUsd > 0)) {
      throw new GatewayError(
        'invalid_option',
        `maxBudgetUsd must be a positive number of US dollars, got ${String(budgetUsd)}`,
      );
    }
    this.budgetUsd = budgetUsd;
  }

  /** Total cost added so far, in US dollars (unrounded). */
  get total(): number {
    return this.#total;
  }

  /** Whether a budget is set and the total has reached it. */
  get exceeded(): boolean {
    return this.budgetUsd !== undefined && this.#total >= this.budgetUsd;
  }

  /** Adds a cost (negative or non-finite amounts are ignored) and returns the new total. */
  add(costUsd: number): number {
    if (Number.isFinite(costUsd) && costUsd > 0) this.#total += costUsd;
    return this.#total;
  }
}
