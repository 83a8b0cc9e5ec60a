import { z } from 'zod';
import type { ToolInterceptor } from '../../core/interceptor.js';
import { parseOptions } from '../../core/parse-options.js';

/** The options of `createToolDenyList`. */
export const toolDenyListOptionsSchema = z.strictObject({
  /** Exact tool names that must never run. */
  deny: z.array(z.string().min(1)).readonly(),
  /** Message the model reads; defaults to "Tool 'X' is not allowed by policy". */
  message: z.string().optional(),
});

/** Options of `createToolDenyList`. */
export type ToolDenyListOptions = z.input<typeof toolDenyListOptionsSchema>;

/**
 * A built-in interceptor that blocks tools by exact name with code `tool_denied`.
 *
 * It is marked `critical`, although its check cannot fail, because a deny list is a safety
 * policy: if it ever did fail, the call should be blocked rather than let through.
 */
export function createToolDenyList(options: ToolDenyListOptions): ToolInterceptor {
  const { deny, message } = parseOptions(toolDenyListOptionsSchema, options, 'createToolDenyList');
  const denied: ReadonlySet<string> = new Set(deny);
  return {
    name: 'tool-deny-list',
    critical: true,
    intercept(context) {
      if (!denied.has(context.toolName)) return { action: 'allow' };
      return {
        action: 'deny',
        code: 'tool_denied',
        message: message ?? `Tool '${context.toolName}' is not allowed by policy`,
      };
    },
  };
}
