import type { ToolResultBlock } from '../core/messages.js';
import type { ToolOutcome } from '../core/tool.js';

const isPlainObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/**
 * Whether a successful result still reports a failure (`success: false` or
 * `status: "error"`); the model then sees it with `is_error: true`.
 */
export function isSoftError(result: unknown): boolean {
  return isPlainObject(result) && (result.success === false || result.status === 'error');
}

/**
 * The result as the model reads it: outcome warnings become one `_runner_warning` string
 * ("Policy warning: a | b"), and a sub-agent's `warning` (timeout, budget, max turns) is
 * repeated there as "Sub-agent warning: …" so the model cannot miss partial results. Objects
 * get the key added to a copy; other values are wrapped as `{result, _runner_warning}`. The raw
 * result itself is never mutated (the wire event carries it unchanged).
 */
export function annotateResult(
  result: unknown,
  warnings: readonly string[] | undefined,
  toolName?: string,
): unknown {
  const parts: string[] = [];
  if (warnings !== undefined && warnings.length > 0) parts.push(`Policy warning: ${warnings.join(' | ')}`);
  if (
    toolName === 'run_agent' &&
    isPlainObject(result) &&
    typeof result.warning === 'string' &&
    result.warning !== ''
  ) {
    parts.push(`Sub-agent warning: ${result.warning}`);
  }
  if (parts.length === 0) return result;
  const runnerWarning = parts.join('; ');
  return isPlainObject(result)
    ? { ...result, _runner_warning: runnerWarning }
    : { result, _runner_warning: runnerWarning };
}

const stringify = (value: unknown): string | undefined => {
  try {
    return JSON.stringify(value === undefined ? null : value);
  } catch {
    return undefined; // cycles, BigInt: reported to the model as an error below
  }
};

/** Builds the model-facing `tool_result` block of one outcome. */
export function toToolResultBlock(
  toolUseId: string,
  outcome: ToolOutcome,
  toolName?: string,
): ToolResultBlock {
  if (outcome.ok) {
    const content = stringify(annotateResult(outcome.result, outcome.warnings, toolName));
    if (content !== undefined) {
      return isSoftError(outcome.result)
        ? { type: 'tool_result', tool_use_id: toolUseId, content, is_error: true }
        : { type: 'tool_result', tool_use_id: toolUseId, content };
    }
    const error = { code: 'internal_error', message: 'Tool result is not JSON-serialisable' };
    return {
      type: 'tool_result',
      tool_use_id: toolUseId,
      content: JSON.stringify({ error }),
      is_error: true,
    };
  }
  return {
    type: 'tool_result',
    tool_use_id: toolUseId,
    content: JSON.stringify({ error: outcome.error }),
    is_error: true,
  };
}
