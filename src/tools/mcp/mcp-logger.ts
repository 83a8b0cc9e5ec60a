/**
 * What the MCP client manager logs to: a server's stderr lines (info), recovered problems such
 * as a skipped server or a restart (warn), and configuration it had to ignore (error). The
 * agent's `Logger`, pino, winston and `console` all fit.
 */
export interface McpLogger {
  info(message: string, details?: Record<string, unknown>): void;
  warn(message: string, details?: Record<string, unknown>): void;
  error(message: string, details?: Record<string, unknown>): void;
}

/**
 * The default: everything on stderr. Server stderr lines are info, and the gateway must not
 * swallow them (a crashing server's last words are often the only diagnosis); stdout stays
 * free for headless runs that print their result there.
 */
export const consoleMcpLogger: McpLogger = {
  info: (message, details) =>
    details === undefined ? console.error(message) : console.error(message, details),
  warn: (message, details) =>
    details === undefined ? console.warn(message) : console.warn(message, details),
  error: (message, details) =>
    details === undefined ? console.error(message) : console.error(message, details),
};
