import { loadedMcpClientSdk } from './mcp-client-sdk.js';
import type { ToolErrorPayload } from '../../core/tool.js';
import { McpServerUnavailableError } from './mcp-server-unavailable-error.js';

/** What the error message may mention about the failed call. */
export interface McpCallErrorContext {
  server: string;
  toolName: string;
  timeoutMs: number;
}

const CONNECTION_ERROR_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'EPIPE',
  'ENOTFOUND',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ERR_STREAM_DESTROYED',
]);

/**
 * Maps an exception raised while calling an MCP tool (not an `isError` result) to the error
 * payload the model reads: an unavailable server is `mcp_tool_error`; anything from the SDK or
 * the transport is `tool_error` with sub-code `timeout`, `connection_error` or `unknown`. The
 * caller handles its own abort (`cancelled`) before asking, since an aborted request surfaces
 * from the SDK as a timeout-coded error too.
 */
export function mapMcpCallError(thrown: unknown, context: McpCallErrorContext): ToolErrorPayload {
  if (thrown instanceof McpServerUnavailableError) {
    return thrown.subCode === undefined
      ? { code: 'mcp_tool_error', message: thrown.message }
      : { code: 'mcp_tool_error', sub_code: thrown.subCode, message: thrown.message };
  }
  const sdk = loadedMcpClientSdk();
  if (
    sdk !== undefined &&
    thrown instanceof sdk.McpError &&
    thrown.code === (sdk.ErrorCode.RequestTimeout as number)
  ) {
    const seconds = Math.round(context.timeoutMs / 100) / 10;
    return {
      code: 'tool_error',
      sub_code: 'timeout',
      message: `MCP tool '${context.toolName}' on server '${context.server}' timed out after ${seconds}s`,
    };
  }
  const message = thrown instanceof Error ? thrown.message || thrown.name : String(thrown);
  return {
    code: 'tool_error',
    sub_code: isConnectionError(thrown) ? 'connection_error' : 'unknown',
    message,
  };
}

/** Whether `thrown` says the transport is gone or unreachable (as opposed to a tool-level fault). */
export function isConnectionError(thrown: unknown): boolean {
  // An error of the SDK's own comes from a connection, which loaded it.
  const sdk = loadedMcpClientSdk();
  if (sdk !== undefined) {
    if (thrown instanceof sdk.McpError) return thrown.code === (sdk.ErrorCode.ConnectionClosed as number);
    if (thrown instanceof sdk.StreamableHTTPError || thrown instanceof sdk.SseError) return true;
  }
  if (!(thrown instanceof Error)) return false;
  const code = (thrown as NodeJS.ErrnoException).code;
  if (typeof code === 'string' && CONNECTION_ERROR_CODES.has(code)) return true;
  if (thrown.message === 'Not connected' || thrown.message === 'fetch failed') return true;
  return thrown.cause !== undefined && isConnectionError(thrown.cause);
}

/** Whether an HTTP server answered 404 for our session: it forgot us and wants a new initialise. */
export function isSessionNotFound(thrown: unknown): boolean {
  const sdk = loadedMcpClientSdk();
  return sdk !== undefined && thrown instanceof sdk.StreamableHTTPError && thrown.code === 404;
}
