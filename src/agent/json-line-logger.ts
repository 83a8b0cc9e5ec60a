import type { Logger } from '../core/logger.js';

/** The levels of a `Logger`, least severe first. */
export type LogLevel = 'debug' | 'info' | 'warn' | 'error';

const LEVELS: readonly LogLevel[] = ['debug', 'info', 'warn', 'error'];

/** Options of `createJsonLineLogger`. */
export interface JsonLineLoggerOptions {
  /** Least severe level written (default `warn`). */
  level?: LogLevel;
  /** Receives each line without its newline (default: standard error). */
  write?: (line: string) => void;
  /** Clock in milliseconds since the epoch (default `Date.now`). */
  now?: () => number;
}

/**
 * A logger that writes one JSON object per line: `{"time","level","msg",…details}`. One line
 * per event, no stack traces and nothing but what the caller passed, so operators can grep it
 * and ship it to any log store. When the details cannot be serialised (a cycle, a BigInt) the
 * line keeps only their names rather than being dropped.
 */
export function createJsonLineLogger(options: JsonLineLoggerOptions = {}): Logger {
  const threshold = LEVELS.indexOf(options.level ?? 'warn');
  const write = options.write ?? ((line: string) => void process.stderr.write(`${line}\n`));
  const now = options.now ?? Date.now;
  const log =
    (level: LogLevel) =>
    (message: string, details: Record<string, unknown> = {}): void => {
      if (LEVELS.indexOf(level) < threshold) return;
      const entry = { time: new Date(now()).toISOString(), level, msg: message, ...details };
      let line: string;
      try {
        line = JSON.stringify(entry);
      } catch {
        line = JSON.stringify({ time: entry.time, level, msg: message, details: Object.keys(details) });
      }
      write(line);
    };
  return { debug: log('debug'), info: log('info'), warn: log('warn'), error: log('error') };
}
