/**
 * Thrown inside the MCP layer when a server cannot take a call right now: it was closed, or it
 * crashed and its restart failed (and the back-off has not elapsed). It becomes an
 * `mcp_tool_error` result with `subCode`, so the model learns the tool is temporarily out
 * instead of seeing a transport stack trace.
 */
export class McpServerUnavailableError extends Error {
  readonly server: string;
  readonly subCode: string | undefined;

  constructor(server: string, message: string, options?: { subCode?: string; cause?: unknown }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'McpServerUnavailableError';
    this.server = server;
    this.subCode = options?.subCode;
  }
}
