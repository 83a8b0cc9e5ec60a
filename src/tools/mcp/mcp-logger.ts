import type { Logger } from '../../core/logger.js';

const ignore = (): void => {};

/**
 * The MCP client manager's default logger: everything but debug on stderr. A server's stderr
 * lines are info, and the gateway must not swallow them (a crashing server's last words are
 * often the only diagnosis); stdout stays free for headless runs that print their result there.
 */
export const consoleMcpLogger: Logger = {
  debug: ignore,
  info: (message, details) =>
    details === undefined ? console.error(message) : console.error(message, details),
  warn: (message, details) =>
    details === undefined ? console.warn(message) : console.warn(message, details),
  error: (message, details) =>
    details === undefined ? console.error(message) : console.error(message, details),
};
