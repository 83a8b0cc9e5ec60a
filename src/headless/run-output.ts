import type { RunUsage } from '../agent/agent-hooks.js';
import type { UsageSummary } from '../core/events.js';

/** Token totals and cost of a run, camelCase (the wire's `usage` summary, renamed). */
export type RunOutputUsage = Partial<Omit<RunUsage, 'sessionId' | 'turns'>>;

/**
 * What a headless run produced, collected from its event log. The TypeScript fields are
 * camelCase; files and webhooks carry snake_case names (`toRunOutputJson`).
 */
export interface RunOutput {
  /** The streamed text of the final attempt, trimmed; includes the max-turns / budget notices. */
  response: string;
  /** Tool names in call order, duplicates kept. */
  toolsUsed: string[];
  /** The `stream_complete` usage; `{}` when the run did not complete or answered with the stub. */
  usage: RunOutputUsage;
  /** The run's error (the last `error` event, else the exception that ended it); null on success. */
  error: string | null;
  /** The wall-clock timeout (`headless.timeoutMs`) stopped the run. */
  timedOut: boolean;
  budgetExceeded: boolean;
  maxTurnsReached: boolean;
  /**
   * The context compactions of the run, in order, each with the length of its summary (the
   * `compaction {chars}` events); empty when the context never reached `compaction.trigger`.
   * Optional, so that an output built by hand (a test, a run of your own) needs no entry: a
   * missing list reads as no compaction.
   */
  compactions?: RunCompaction[];
}

/** One context compaction of a run: the summary that replaced the earlier turns. */
export interface RunCompaction {
  /** Characters of the summary. */
  chars: number;
}

/** A `RunOutput` with snake_case field names, for JSON files and webhooks. */
export interface RunOutputJson {
  response: string;
  tools_used: string[];
  usage: Partial<UsageSummary>;
  error: string | null;
  timed_out: boolean;
  budget_exceeded: boolean;
  max_turns_reached: boolean;
  /** Present only when the run compacted its context (so older readers of the file see no new field). */
  compactions?: RunCompaction[];
}

/** How a run ended, one word per exit code (`runOutputOutcome`). */
export type RunOutcomeName = 'timeout' | 'error' | 'budget_exceeded' | 'max_turns' | 'success';

/**
 * The process exit code of a run, for cron: 124 timed out (as `timeout(1)`), 1 error,
 * 2 budget exceeded, 3 max turns reached, 0 success — checked in that order, so a run that
 * timed out after an error still reports the timeout.
 */
export function runOutputExitCode(output: RunOutput): number {
  if (output.timedOut) return 124;
  if (output.error) return 1;
  if (output.budgetExceeded) return 2;
  if (output.maxTurnsReached) return 3;
  return 0;
}

/** The outcome word of a run, in the same precedence as `runOutputExitCode`. */
export function runOutputOutcome(output: RunOutput): RunOutcomeName {
  if (output.timedOut) return 'timeout';
  if (output.error) return 'error';
  if (output.budgetExceeded) return 'budget_exceeded';
  if (output.maxTurnsReached) return 'max_turns';
  return 'success';
}

/** The snake_case JSON form of a run output (the webhook's `run_output`). */
export function toRunOutputJson(output: RunOutput): RunOutputJson {
  return {
    response: output.response,
    tools_used: [...output.toolsUsed],
    usage: toUsageSummary(output.usage),
    error: output.error,
    timed_out: output.timedOut,
    budget_exceeded: output.budgetExceeded,
    max_turns_reached: output.maxTurnsReached,
    ...(output.compactions === undefined || output.compactions.length === 0
      ? {}
      : { compactions: output.compactions.map(({ chars }) => ({ chars })) }),
  };
}

const USAGE_FIELDS = [
  ['inputTokens', 'input_tokens'],
  ['outputTokens', 'output_tokens'],
  ['cacheCreationInputTokens', 'cache_creation_input_tokens'],
  ['cacheReadInputTokens', 'cache_read_input_tokens'],
  ['estimatedCost', 'estimated_cost'],
] as const;

/** The camelCase form of a wire usage summary (fields it lacks stay absent). */
export function toRunOutputUsage(summary: Partial<UsageSummary>): RunOutputUsage {
  const usage: RunOutputUsage = {};
  for (const [camel, snake] of USAGE_FIELDS) {
    const value = summary[snake];
    if (value !== undefined) usage[camel] = value;
  }
  return usage;
}

/** The wire (snake_case) form of a run's usage, for files and webhooks. */
export function toUsageSummary(usage: RunOutputUsage): Partial<UsageSummary> {
  const summary: Partial<UsageSummary> = {};
  for (const [camel, snake] of USAGE_FIELDS) {
    const value = usage[camel];
    if (value !== undefined) summary[snake] = value;
  }
  return summary;
}
