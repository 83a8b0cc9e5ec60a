/**
 * The one logging surface of the gateway: the loop, the dispatcher, MCP and the server all write
 * to it. Any structured logger (pino, winston) fits, and so does `console`; the gateway only logs
 * what it recovered from or swallowed on purpose, such as a throwing hook.
 */
export interface Logger {
  debug(message: string, details?: Record<string, unknown>): void;
  info(message: string, details?: Record<string, unknown>): void;
  warn(message: string, details?: Record<string, unknown>): void;
  error(message: string, details?: Record<string, unknown>): void;
  /**
   * Whether lines of `level` are written; optional. Callers that must do work to build a line
   * (the access line reads a response body's size) skip it when this says no.
   */
  enabled?(level: 'debug' | 'info' | 'warn' | 'error'): boolean;
}

const ignore = (): void => {};

/** Discards everything; for tests and embedders that want silence. */
export const silentLogger: Logger = {
  debug: ignore,
  info: ignore,
  warn: ignore,
  error: ignore,
  enabled: () => false,
};

/**
 * The default: quiet for debug/info, console for warnings and errors, so a swallowed hook
 * failure is still visible to someone who did not configure logging.
 */
export const consoleWarningLogger: Logger = {
  debug: ignore,
  info: ignore,
  warn: (message, details) => console.warn(message, details ?? ''),
  error: (message, details) => console.error(message, details ?? ''),
  enabled: (level) => level === 'warn' || level === 'error',
};
