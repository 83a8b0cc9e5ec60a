import { z } from 'zod';
import { callable, objectOf, parseOptions, stringIterable } from '../../core/parse-options.js';
import { clipText } from '../clip-text.js';
import { toUsageSummary, type RunOutput } from '../run-output.js';
import type { JsonObject } from './json-object-file.js';

/** Options of `buildStatePayload`. */
export interface BuildStatePayloadOptions {
  /** The state the previous run saved (`loadState`). */
  previousState: JsonObject;
  /** What the model asked to keep (`extractStateUpdate(output.response)`); wins over `previousState`. */
  modelState: JsonObject;
  output: RunOutput;
  /** The model that ran. */
  model?: string | undefined;
  /** The delivery's briefing file, recorded so the next run can mention it. */
  briefingFile?: string | undefined;
  /** MCP servers that connected for the run. */
  connectedServers?: Iterable<string> | undefined;
  /** MCP servers whose tools were loaded. */
  activeServers?: Iterable<string> | undefined;
  /** Turns the response into `last_summary` (default: trimmed, clipped at 1500 characters). */
  extractSummary?: ((response: string) => string) | undefined;
  /** The clock for `last_run` (default: now). */
  now?: Date | undefined;
}

const buildStatePayloadOptionsSchema = z.strictObject({
  previousState: objectOf<JsonObject>('a JSON object'),
  modelState: objectOf<JsonObject>('a JSON object'),
  output: objectOf<RunOutput>('a RunOutput'),
  model: z.string().optional(),
  briefingFile: z.string().optional(),
  connectedServers: stringIterable().optional(),
  activeServers: stringIterable().optional(),
  extractSummary: callable<(response: string) => string>().optional(),
  now: z.date().optional(),
}) satisfies z.ZodType<BuildStatePayloadOptions>;

/** Longest `last_summary` the default extractor keeps. */
export const STATE_SUMMARY_LIMIT = 1500;

const sortedUnique = (names: Iterable<string>): string[] =>
  [...new Set([...names].map(String).filter((name) => name.trim() !== ''))].sort();

const describeItem = (item: unknown): string => {
  if (typeof item === 'string') return item;
  if (typeof item === 'number' || typeof item === 'boolean' || typeof item === 'bigint') return String(item);
  return JSON.stringify(item) ?? '';
};

/** A model-written list cleaned to its non-blank entries as trimmed strings ([] for non-lists). */
const toStringList = (value: unknown): string[] =>
  Array.isArray(value)
    ? value
        .filter((item) => item !== null && item !== undefined)
        .map((item) => describeItem(item).trim())
        .filter((item) => item !== '')
    : [];

/**
 * Builds the state a run saves: the previous state, overlaid with the model's update, then the
 * run's own bookkeeping — `last_run` (UTC ISO time), `model`, `briefing_file`, `timed_out`,
 * `budget_exceeded`, `max_turns_reached`, `connected_servers` / `active_servers` / `tools_used`
 * (sorted, unique, non-blank), `usage` and `last_summary`.
 *
 * `error` is set when the run failed and removed when it did not, so a stale error never
 * survives a successful run. `alerts` and `next_session` are the model's to-do channels for the
 * next run: they are cleaned to lists of non-blank strings and dropped when nothing is left.
 */
export function buildStatePayload(given: BuildStatePayloadOptions): JsonObject {
  const options = parseOptions(buildStatePayloadOptionsSchema, given, 'buildStatePayload');
  const { output } = options;
  const state: JsonObject = { ...options.previousState, ...options.modelState };
  const summarize = options.extractSummary ?? ((response: string) => clipText(response, STATE_SUMMARY_LIMIT));

  state.last_run = (options.now ?? new Date()).toISOString();
  state.model = options.model ?? '';
  state.briefing_file = options.briefingFile ?? '';
  state.timed_out = output.timedOut;
  state.budget_exceeded = output.budgetExceeded;
  state.max_turns_reached = output.maxTurnsReached;
  state.connected_servers = sortedUnique(options.connectedServers ?? []);
  state.active_servers = sortedUnique(options.activeServers ?? []);
  state.tools_used = sortedUnique(output.toolsUsed);
  state.usage = toUsageSummary(output.usage);
  state.last_summary = summarize(output.response);

  if (output.error) state.error = output.error;
  else delete state.error;

  for (const key of ['alerts', 'next_session'] as const) {
    const cleaned = toStringList(state[key]);
    if (cleaned.length > 0) state[key] = cleaned;
    else delete state[key];
  }
  return state;
}
