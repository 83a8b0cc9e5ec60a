import type { OnToolResult } from '../../agent/agent-hooks.js';
import type { NeedsApproval } from '../../core/approval.js';
import type { ToolSetup } from '../../tools/build-run-tools.js';
import type { CodeExecutionConfig } from '../../tools/code-execution/code-execution-config.js';
import {
  CODE_EXECUTE_STATUS_TOOL,
  CODE_EXECUTE_TOOL,
} from '../../tools/code-execution/code-execution-tool-definitions.js';
import type { CodeExecutionBundle } from '../../tools/code-execution/create-code-execution.js';

/** Names of the code-execution tools (built-ins: they win name clashes with MCP tools). */
export const CODE_EXECUTION_TOOL_NAMES: readonly string[] = [CODE_EXECUTE_TOOL, CODE_EXECUTE_STATUS_TOOL];

/** Seconds of slack between the longest code run and the loop's tool-call timeout. */
const TOOL_TIMEOUT_MARGIN_MS = 5_000;

/**
 * The loop's tool-call timeout when code execution is on and the user set none: long enough
 * that a run at the maximum `timeout_ms` reports its own `timed_out` result instead of being
 * cut off as `tool_timeout`.
 */
export function toolTimeoutForCodeExecution(config: boolean | CodeExecutionConfig): number {
  const maxTimeoutMs = (typeof config === 'object' ? config.maxTimeoutMs : undefined) ?? 120_000;
  return Math.max(120_000, maxTimeoutMs + TOOL_TIMEOUT_MARGIN_MS);
}

/**
 * Adds one session's code-execution bundle to the tool setup: its two tools, its approval rule
 * (only an unsandboxed run asks) combined with the user's `needsApproval`, and its qualifier so
 * that "always allow" is per backend (`code_execute:subprocess`).
 */
export function withCodeExecution(setup: ToolSetup, bundle: CodeExecutionBundle): ToolSetup {
  const userNeedsApproval = setup.needsApproval;
  const needsApproval: NeedsApproval = async (name, input, qualifier) =>
    (await bundle.needsApproval(name, input, qualifier)) ||
    (userNeedsApproval !== undefined && (await userNeedsApproval(name, input, qualifier)));
  return {
    ...setup,
    tools: [...(setup.tools ?? []), ...bundle.tools],
    needsApproval,
    approvalKeyQualifier: bundle.approvalKeyQualifier,
    approvalTraits: bundle.approvalTraits,
  };
}

/**
 * The model-facing result hook: image data is replaced by `[image: name]` first, then the user's
 * hook runs (its extra blocks are kept).
 */
export function withImageSanitizer(
  bundle: CodeExecutionBundle,
  userHook: OnToolResult | undefined,
): OnToolResult {
  return (context) => {
    bundle.sanitizeToolResult(context);
    return userHook?.(context);
  };
}
