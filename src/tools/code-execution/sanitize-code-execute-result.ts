import type { ToolResultContext } from '../../agent/agent-hooks.js';
import { CODE_EXECUTE_STATUS_TOOL, CODE_EXECUTE_TOOL } from './code-execution-tool-definitions.js';

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/**
 * An `onToolResult` hook that keeps image data out of what the model reads: in the
 * `tool_result` block of a successful `code_execute` (or a completed `code_execute_status`)
 * call, each image's `data_base64` becomes `"[image: <filename>]"`. Only the model-facing
 * block is rewritten; `tool_call_complete.result` on the stream still carries the base64 for
 * the client to display. Returns no extra blocks; anything it cannot parse is left alone.
 */
export function sanitizeCodeExecuteResult(context: ToolResultContext): undefined {
  if (context.toolName !== CODE_EXECUTE_TOOL && context.toolName !== CODE_EXECUTE_STATUS_TOOL)
    return undefined;
  if (context.error !== null) return undefined;
  const block = context.resultBlock;
  if (typeof block.content !== 'string') return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(block.content);
  } catch {
    return undefined;
  }
  if (!isRecord(parsed) || !Array.isArray(parsed.images)) return undefined;
  let changed = false;
  const images = parsed.images.map((image: unknown) => {
    if (!isRecord(image) || typeof image.data_base64 !== 'string') return image;
    changed = true;
    const filename = typeof image.filename === 'string' ? image.filename : 'image';
    return { ...image, data_base64: `[image: ${filename}]` };
  });
  if (changed) block.content = JSON.stringify({ ...parsed, images });
  return undefined;
}
