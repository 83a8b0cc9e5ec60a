/**
 * `ai-agent-gateway/logging`: the gateway's default logger, for deployments that want it with
 * other settings (level, redacted keys, destination) or want to use it for their own lines. Any
 * object with `debug`, `info`, `warn` and `error` (pino, winston, `console`) is a `Logger` too.
 */
export { createJsonLineLogger, type JsonLineLoggerOptions, type LogLevel } from './agent/json-line-logger.js';
export { DEFAULT_REDACTED_KEYS } from './agent/redact-log-details.js';
export type { Logger } from './core/logger.js';
