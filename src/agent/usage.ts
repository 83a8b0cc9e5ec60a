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

/** The model that spent some tokens, and its prices. */
export interface PricedModel {
  model: string;
  pricing: ModelPricing;
}

const addInto = (totals: TurnUsage, turn: TurnUsage): void => {
  totals.inputTokens += turn.inputTokens;
  totals.outputTokens += turn.outputTokens;
  totals.cacheReadTokens += turn.cacheReadTokens;
  totals.cacheCreationTokens += turn.cacheCreationTokens;
};

/**
 * Token totals of one run, summed over its completed model turns, and per model: each model's
 * tokens are priced at its own rates (a fallback model's differ from the run's).
 *
 * Only successful turns are added (the last usage snapshot of each): a failed attempt that is
 * retried never reaches `add`, which is how its partial usage is rolled back.
 */
export class UsageTotals {
  #turns = 0;
  readonly #totals: TurnUsage = emptyTurnUsage();
  /** Tokens by the model that spent them; tokens added without a model are not in it. */
  // eslint-disable-next-line gateway/churn-collections -- a run's usage, one entry per model it called
  readonly #byModel = new Map<string, { tokens: TurnUsage; pricing: ModelPricing }>();
  /** Tokens added without a model (restored from a checkpoint): priced at the run's rates. */
  readonly #unattributed: TurnUsage = emptyTurnUsage();

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

  /** Adds one completed turn, spent by `by` when given. */
  add(turn: TurnUsage, by?: PricedModel): void {
    this.#turns += 1;
    this.addTokens(turn, by);
  }

  /** Adds tokens spent outside a model turn (a client-side compaction's summary). */
  addTokens(turn: TurnUsage, by?: PricedModel): void {
    addInto(this.#totals, turn);
    if (by === undefined) {
      addInto(this.#unattributed, turn);
      return;
    }
    let entry = this.#byModel.get(by.model);
    if (entry === undefined) {
      entry = { tokens: emptyTurnUsage(), pricing: by.pricing };
      this.#byModel.set(by.model, entry);
    }
    addInto(entry.tokens, turn);
  }

  /**
   * The `stream_complete.usage` payload; cost rounded to 4 decimal places. `pricing` and
   * `runModel` are the run's own model's: tokens added without a model count as its; `by_model` is present when
   * another model spent tokens too.
   */
  toSummary(pricing: ModelPricing, runModel?: string): UsageSummary {
    let cost = estimateCost(this.#unattributed, pricing);
    for (const entry of this.#byModel.values()) cost += estimateCost(entry.tokens, entry.pricing);
    const summary = summaryOf(this.#totals, roundCost(cost));
    if (!this.#spentByAnotherModel(runModel)) return summary;
    const byModel: NonNullable<UsageSummary['by_model']> = {};
    for (const [model, entry] of this.#byModel) {
      const tokens = { ...entry.tokens };
      let modelCost = estimateCost(tokens, entry.pricing);
      if (model === runModel) {
        addInto(tokens, this.#unattributed);
        modelCost += estimateCost(this.#unattributed, pricing);
      }
      byModel[model] = summaryOf(tokens, roundCost(modelCost));
    }
    summary.by_model = byModel;
    return summary;
  }

  /** Whether a model other than `runModel` spent tokens of the run. */
  #spentByAnotherModel(runModel: string | undefined): boolean {
    for (const model of this.#byModel.keys()) if (model !== runModel) return true;
    return false;
  }
}

const summaryOf = (tokens: TurnUsage, cost: number): UsageSummary => ({
  input_tokens: tokens.inputTokens,
  output_tokens: tokens.outputTokens,
  cache_creation_input_tokens: tokens.cacheCreationTokens,
  cache_read_input_tokens: tokens.cacheReadTokens,
  estimated_cost: cost,
});
