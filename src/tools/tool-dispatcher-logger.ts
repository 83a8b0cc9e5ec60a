import type { Logger } from '../core/logger.js';

const ignore = (): void => {};

/**
 * The dispatcher's default logger: it only reports problems it recovered from (a skipped
 * interceptor, a failing qualifier), as warnings on stderr, so they never vanish silently.
 */
export const consoleToolDispatcherLogger: Logger = {
  debug: ignore,
  info: ignore,
  warn: (message, details) =>
    details === undefined ? console.warn(message) : console.warn(message, details),
  error: (message, details) =>
    details === undefined ? console.error(message) : console.error(message, details),
};
