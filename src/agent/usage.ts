import type { UsageSummary } from '../core/events.js';
import type { ModelPricing, TurnUsage } from '../core/provider.js';

const tokensPerMillion = 1_000_000;

/** An empty usage record. */
export function emptyTurnUsage(): TurnUsage {
  return { inputTokens: 0, outputTokens: 0, cacheReadTokens: 0, cacheCreationTokens: 0 };
}

/** Rounds a dollar amount to 4 decimal places, the precision of every cost on the wire. */
export function roundCost(amount: number): number {
  return Math.round(amount * 10_000) / 10_000;
}

/**
 * Estimated cost of some usage in US dollars (unrounded).
 *
 * `inputTokens` already excludes cached input (see `TurnUsage`), so each of the four counts is
 * priced once at its own rate and nothing is subtracted.
 */
export function estimateCost(usage: TurnUsage, pricing: ModelPricing): number {
  return (
    (usage.inputTokens * pricing.inputPerMTok +
      usage.outputTokens * pricing.outputPerMTok +
      usage.cacheReadTokens * pricing.cacheReadPerMTok +
      usage.cacheCreationTokens * pricing.cacheWritePerMTok) /
    tokensPerMillion
  );
}

/**
 * Token totals of one run, summed over its completed model turns.
 *
 * Only successful turns are added (the last usage snapshot of each): a failed attempt that is
 * retried never reaches `add`, which is how its partial usage is rolled back.
 */
export class UsageTotals {
  #turns = 0;
  readonly #totals: TurnUsage = emptyTurnUsage();

  /** Number of completed model turns. */
  get turns(): number {
    return this.#turns;
  }

  /** A copy of the summed token counts. */
  get tokens(): TurnUsage {
    return { ...this.#totals };
  }

  /** Totals that continue from earlier turns (a run resumed from a checkpoint). */
  static restore(turns: number, tokens: TurnUsage): UsageTotals {
    const totals = new UsageTotals();
    totals.add(tokens);
    totals.#turns = turns;
    return totals;
  }

  /** Adds one completed turn. */
  add(turn: TurnUsage): void {
    this.#turns += 1;
    this.addTokens(turn);
  }

  /** Adds tokens spent outside a model turn (a client-side compaction's summary). */
  addTokens(turn: TurnUsage): void {
    this.#totals.inputTokens += turn.inputTokens;
    this.#totals.outputTokens += turn.outputTokens;
    this.#totals.cacheReadTokens += turn.cacheReadTokens;
    this.#totals.cacheCreationTokens += turn.cacheCreationTokens;
  }

  /** The `stream_complete.usage` payload; cost rounded to 4 decimal places. */
  toSummary(pricing: ModelPricing): UsageSummary {
    return {
      input_tokens: this.#totals.inputTokens,
      output_tokens: this.#totals.outputTokens,
      cache_creation_input_tokens: this.#totals.cacheCreationTokens,
      cache_read_input_tokens: this.#totals.cacheReadTokens,
      estimated_cost: roundCost(estimateCost(this.#totals, pricing)),
    };
  }
}
