import { randomBytes } from 'node:crypto';
import type {
  BudgetAdmission,
  BudgetGate,
  BudgetPayer,
  BudgetReservation,
  BudgetRefusal,
} from '../core/budget-gate.js';
import type { ProviderRequest, TurnUsage } from '../core/provider.js';
import { approximateJsonBytes } from '../core/approximate-json-bytes.js';

/**
 * The gateway budgets one run spends under: the gate, who pays, and (for a run whose first model
 * call was admitted before its response status was sent) that call's reservation, which the
 * run's first model call takes instead of reserving again. Sub-agents spend under their parent's.
 */
export interface RunBudget {
  gate: BudgetGate;
  payer: BudgetPayer;
  /** The first model call's reservation, made by the server before the run started. */
  admitted?: BudgetReservation | undefined;
}

/** One model call as the meter prices it: the request it sends (for its input estimate). */
export interface MeteredCall {
  /** What tells this call from the run's others: the turn and the model's place in its chain. */
  label: string;
  provider: string;
  request: Pick<ProviderRequest, 'model' | 'system' | 'messages' | 'tools' | 'maxTokens'>;
}

/** What the run knows of a call it stopped or that failed, to settle its hold. */
export interface CallEnd {
  /** The usage the provider reported before the end, if it reported any. */
  usage?: TurnUsage | undefined;
  /** Text the call streamed (its output, when no usage came). */
  streamedText?: string;
  /** Whether anything of the call came back from the model. */
  reachedModel: boolean;
}

/** Random per process, so that two processes (a run continued elsewhere) never share a tag. */
const processTag = randomBytes(4).toString('hex');
let executions = 0;

/** A tag for one execution of a run: this process's, and a count (no random bytes per run). */
const nextExecutionTag = (): string => `${processTag}${(executions += 1).toString(36)}`;

/**
 * Input tokens a request carries, estimated without a tokenizer: its JSON size over four (about
 * what English text and JSON come to), rounded up. The estimate only sizes the hold: the call is
 * settled to the usage the provider reports.
 */
export function estimateInputTokens(
  request: Pick<MeteredCall['request'], 'system' | 'messages' | 'tools'>,
): number {
  // What `approximateJsonBytes({ system, messages, tools })` counts, without the walk's set and
  // stack for the request's outer object and arrays: each message alone is most often flat.
  const bytes =
    2 +
    fieldBytes('system', request.system) +
    fieldBytes('messages', request.messages) +
    fieldBytes('tools', request.tools);
  return Math.ceil(bytes / 4);
}

/** A field of the request's outer object as `approximateJsonBytes` counts it: key, quotes, colon, value. */
const fieldBytes = (key: string, value: unknown): number => {
  if (!Array.isArray(value)) return key.length + 4 + approximateJsonBytes(value);
  let total = key.length + 4 + 2 + value.length;
  for (const element of value as readonly unknown[]) total += approximateJsonBytes(element);
  return total;
};

/**
 * Reserves, settles and releases the model calls of one run (and of its sub-agents and
 * compactions) on the gateway's budgets. Call ids are the run's id, a tag of this execution of
 * the run (a run continued elsewhere gets new ones) and the call's label. A settle or release
 * that fails is reported, never thrown: the hold then expires with its lease and is settled by
 * whichever instance finds it.
 */
export class ModelCallMeter {
  readonly #budget: RunBudget;
  readonly #runId: string;
  readonly #tag = nextExecutionTag();
  readonly #report: (error: unknown) => void;
  #preAdmitted: BudgetReservation | undefined;

  constructor(budget: RunBudget, runId: string, report: (error: unknown) => void) {
    this.#budget = budget;
    this.#runId = runId;
    this.#report = report;
    this.#preAdmitted = budget.admitted;
  }

  /** A meter for a sub-agent's run under the same budget (never the parent's pre-admitted call). */
  child(prefix: string): ModelCallMeter {
    return new ModelCallMeter(
      { gate: this.#budget.gate, payer: this.#budget.payer },
      `${this.#runId}/${prefix}`,
      this.#report,
    );
  }

  /** The budget this meter spends under, without a pre-admitted call (for a sub-agent's run). */
  get budget(): RunBudget {
    return { gate: this.#budget.gate, payer: this.#budget.payer };
  }

  /**
   * Reserves `call`'s worst case, or takes the run's pre-admitted reservation for its first call.
   * Rejects when `signal` aborts while the reserve waits (the gate gives back a hold that lands
   * after); a failing store is a refusal (`budget_store_unavailable`).
   */
  async admit(call: MeteredCall, signal?: AbortSignal): Promise<BudgetAdmission> {
    const preAdmitted = this.#preAdmitted;
    if (preAdmitted !== undefined) {
      this.#preAdmitted = undefined;
      return { admitted: true, reservation: preAdmitted };
    }
    try {
      return await this.#budget.gate.reserve(
        {
          callId: `${this.#runId}:${this.#tag}:${call.label}`,
          runId: this.#runId,
          provider: call.provider,
          model: call.request.model,
          payer: this.#budget.payer,
          inputTokens: estimateInputTokens(call.request),
          maxOutputTokens: call.request.maxTokens,
        },
        signal,
      );
    } catch (error) {
      // The caller stopped waiting (its client left, the run was cancelled): not a store failure.
      // The error goes on as a stopped model call's would, and nothing is logged.
      if (signal?.aborted === true) throw error;
      // A gate that throws is a store that failed: the call is refused as the gate would.
      this.#report(error);
      return { admitted: false, refusal: storeUnavailable() };
    }
  }

  /** Settles a completed call to its usage. */
  settle(reservation: BudgetReservation, usage: TurnUsage): Promise<void> {
    return reservation.settle(usage).catch(this.#report);
  }

  /**
   * Settles a call that failed or was stopped to what it cost when that is known (the usage it
   * reported, else its input and the text it streamed), and releases it when nothing of it came
   * back from the model.
   */
  end(reservation: BudgetReservation, end: CallEnd, request: MeteredCall['request']): Promise<void> {
    if (end.usage !== undefined) return this.settle(reservation, end.usage);
    if (!end.reachedModel) return reservation.release().catch(this.#report);
    return this.settle(reservation, {
      inputTokens: estimateInputTokens(request),
      outputTokens: Math.ceil((end.streamedText ?? '').length / 4),
      cacheReadTokens: 0,
      cacheCreationTokens: 0,
    });
  }

  /** Gives back a pre-admitted reservation the run never used (it ended before its first call). */
  async close(): Promise<void> {
    const unused = this.#preAdmitted;
    this.#preAdmitted = undefined;
    if (unused !== undefined) await unused.release().catch(this.#report);
  }
}

/** The refusal of a call whose gate failed (its store is down). */
function storeUnavailable(): BudgetRefusal {
  return {
    code: 'budget_store_unavailable',
    status: 503,
    message: 'The budget store is unavailable; retry shortly',
    retryAfterSeconds: 5,
  };
}
