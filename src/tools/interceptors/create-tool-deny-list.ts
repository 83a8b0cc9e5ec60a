import { GatewayError } from '../../core/errors.js';
import type { ToolInterceptor } from '../../core/interceptor.js';

/** Options of `createToolDenyList`. */
export interface ToolDenyListOptions {
  /** Exact tool names that must never run. */
  deny: readonly string[];
  /** Message the model reads; defaults to "Tool 'X' is not allowed by policy". */
  message?: string;
}

/**
 * A built-in interceptor that blocks tools by exact name with code `tool_denied`.
 *
 * It is marked `critical`, although its check cannot fail, because a deny list is a safety
 * policy: if it ever did fail, the call should be blocked rather than let through.
 */
export function createToolDenyList(options: ToolDenyListOptions): ToolInterceptor {
  const { deny, message } = options;
  if (!Array.isArray(deny) || !deny.every((name) => typeof name === 'string' && name !== '')) {
    throw new GatewayError('invalid_option', 'createToolDenyList: `deny` must be an array of tool names');
  }
  if (message !== undefined && typeof message !== 'string') {
    throw new GatewayError('invalid_option', 'createToolDenyList: `message` must be a string');
  }
  const denied = new Set(deny);
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
