import { z } from 'zod';
import { parseArgument } from '../core/parse-options.js';
import type { GatewayEvent } from '../core/events.js';
import { roundCost } from './usage.js';

/** A budget: a positive, finite number of US dollars, or none. */
const budgetSchema = z
  .number({ error: (issue) => `must be a positive number of US dollars, got ${String(issue.input)}` })
  .positive({ error: (issue) => `must be a positive number of US dollars, got ${String(issue.input)}` })
  .finite()
  .optional();

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
    this.budgetUsd = parseArgument(budgetSchema, budgetUsd, 'CostAccumulator', 'maxBudgetUsd');
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

/**
 * Adds a turn's cost to `accumulator` (possibly shared with sub-agents) and, once the budget is
 * exceeded, tells the client: a `budget_exceeded` event and a notice in the text. Returns whether
 * the run must stop.
 */
export function chargeTurn(
  accumulator: CostAccumulator,
  turnCost: number,
  emit: (event: GatewayEvent) => void,
): boolean {
  accumulator.add(turnCost);
  if (!accumulator.exceeded || accumulator.budgetUsd === undefined) return false;
  const total = accumulator.total;
  emit({ type: 'budget_exceeded', total_cost: roundCost(total), budget: accumulator.budgetUsd });
  emit({
    type: 'text_delta',
    text: `\n\n[Budget limit reached: $${total.toFixed(4)} >= $${accumulator.budgetUsd.toFixed(4)}]`,
  });
  return true;
}
