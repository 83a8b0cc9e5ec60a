import { z } from 'zod';
import { callable, objectOf, parseOptions } from '../core/parse-options.js';
import { clipText } from './clip-text.js';
import type { RunOutput } from './run-output.js';
import type { JsonObject } from './state/json-object-file.js';

/** Options of `formatRunSummary`. */
export interface FormatRunSummaryOptions {
  /** First line (default "Autonomous run"). */
  label?: string | null | undefined;
  /** The saved state; its `briefing_file` adds a "Briefing:" line. */
  state?: JsonObject | null | undefined;
  /** Renders the state as extra lines after "Tools:" (only called for a non-empty state). */
  formatState?: ((state: JsonObject) => string) | undefined;
}

const formatRunSummaryOptionsSchema = z.strictObject({
  label: z.string().nullish(),
  state: objectOf<JsonObject>('a JSON object').nullish(),
  formatState: callable<(state: JsonObject) => string>().optional(),
});

/** Longest response excerpt in a summary. */
export const SUMMARY_RESPONSE_LIMIT = 1200;
/** Longest summary message (Telegram allows 4096; this leaves room for a prefix). */
export const SUMMARY_MESSAGE_LIMIT = 3900;
/** Tools listed by name before the rest are counted. */
const TOOLS_SHOWN = 8;

/**
 * The status word of a summary. The precedence: a timeout reads "timed out"
 * unless the budget or turn limit also stopped the run, and an error reads "failed" only when
 * the run did not time out.
 */
const statusOf = (output: RunOutput): string => {
  if (output.error && !output.timedOut) return 'failed';
  if (output.budgetExceeded) return 'budget exceeded';
  if (output.maxTurnsReached) return 'max turns reached';
  return output.timedOut ? 'timed out' : 'completed';
};

const usageValue = (value: number | undefined): string => (value === undefined ? '?' : String(value));

/**
 * Renders a run as a short plain-text message (what Telegram receives):
 *
 * ```
 * <label or "Autonomous run">
 * Status: completed | timed out | failed | budget exceeded | max turns reached
 * Briefing: <file>                      (when the state names one)
 * Usage: in=<n> out=<n> est_cost=<usd>  ("?" for what is unknown)
 * Tools: <first 8 sorted unique>, ... (+N)   or "none"
 * Compactions: <n> (<chars>, ... chars)  (only when the context was compacted)
 * <formatted state lines>               (optional)
 *
 * Summary:
 * <response, clipped at 1200>
 *
 * Error: <error>
 * ```
 *
 * The whole message is clipped to 3900 characters.
 */
export function formatRunSummary(output: RunOutput, summaryOptions: FormatRunSummaryOptions = {}): string {
  const options = parseOptions(formatRunSummaryOptionsSchema, summaryOptions, 'formatRunSummary');
  const { state, formatState } = options;
  const tools = [...new Set(output.toolsUsed.filter((name) => name !== ''))].sort();
  let toolsPreview = tools.length === 0 ? 'none' : tools.slice(0, TOOLS_SHOWN).join(', ');
  if (tools.length > TOOLS_SHOWN) toolsPreview += `, ... (+${tools.length - TOOLS_SHOWN})`;

  const lines = [options.label || 'Autonomous run', `Status: ${statusOf(output)}`];
  const briefingFile = state?.briefing_file;
  if (typeof briefingFile === 'string' && briefingFile !== '') lines.push(`Briefing: ${briefingFile}`);
  lines.push(
    `Usage: in=${usageValue(output.usage.inputTokens)} out=${usageValue(output.usage.outputTokens)} est_cost=${usageValue(output.usage.estimatedCost)}`,
    `Tools: ${toolsPreview}`,
  );
  const compactions = output.compactions ?? [];
  if (compactions.length > 0) {
    const sizes = compactions.map(({ chars }) => chars).join(', ');
    lines.push(`Compactions: ${compactions.length} (${sizes} chars)`);
  }
  if (state && Object.keys(state).length > 0 && formatState !== undefined) {
    const formatted = String(formatState(state) ?? '').trim();
    if (formatted !== '') lines.push('', ...formatted.split(/\r?\n/));
  }
  const summary = clipText(output.response, SUMMARY_RESPONSE_LIMIT);
  if (summary !== '') lines.push('', 'Summary:', summary);
  if (output.error) lines.push('', `Error: ${output.error}`);

  const message = lines.join('\n');
  return message.length > SUMMARY_MESSAGE_LIMIT
    ? `${message.slice(0, SUMMARY_MESSAGE_LIMIT - 3)}...`
    : message;
}
