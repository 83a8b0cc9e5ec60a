/**
 * The logging the dispatcher needs: it only reports problems it recovered from (a skipped
 * interceptor, a failing qualifier). `console` satisfies it, as does any structured logger
 * with a `warn(message, details)` method.
 */
export interface ToolDispatcherLogger {
  warn(message: string, details?: Record<string, unknown>): void;
}

/**
 * Default logger: recovered problems are warnings on stderr, like Python's `logging` default
 * (a skipped interceptor must not vanish silently).
 */
export const consoleToolDispatcherLogger: ToolDispatcherLogger = {
  warn(message, details) {
    if (details === undefined) console.warn(message);
    else console.warn(message, details);
  },
};
