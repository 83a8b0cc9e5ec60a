import { z } from 'zod';
import type { Logger } from '../core/logger.js';
import { callable, parseOptions } from '../core/parse-options.js';
import { clipLogText, escapeControlCharacters } from './clip-log-text.js';
import { createFlatJsonLines } from './flat-json-line.js';
import { createIsoTimeClock } from './iso-time-clock.js';
import { prettyLogLine } from './pretty-log-line.js';
import { createBufferedLineWriter, type BufferedLineWriter } from './buffered-line-writer.js';
import { DEFAULT_REDACTED_KEYS, redactLogDetails } from './redact-log-details.js';

/** The levels of a `Logger`, least severe first. */
export type LogLevel = 'debug' | 'info' | 'warn' | 'error';

/** The levels, least severe first. */
export const LOG_LEVELS: readonly LogLevel[] = ['debug', 'info', 'warn', 'error'];

const jsonLineLoggerOptionsSchema = z.strictObject({
  /** Least severe level written. */
  level: z.enum(['debug', 'info', 'warn', 'error']).default('warn'),
  /**
   * `json`: one JSON object per line, for log shippers. `pretty`: one readable line per entry
   * (`12:04:05 INFO  message key=value`), for a terminal.
   */
  format: z.enum(['json', 'pretty']).default('json'),
  /** Colour the level in `pretty` lines. */
  colour: z.boolean().default(false),
  /**
   * Field names (any depth, any case) whose values are replaced by `[redacted]`; by default
   * `DEFAULT_REDACTED_KEYS` (authorization, cookies, API keys, tokens, secrets, passwords).
   */
  redact: z
    .array(z.string())
    .readonly()
    .default(() => DEFAULT_REDACTED_KEYS),
  /**
   * Receives each line without its newline. When left out, lines go to standard error, many in
   * one write (`createBufferedLineWriter`: a line waits at most 20 ms); `warn` and `error` lines
   * go out at once, with what was held before them.
   */
  write: callable<(line: string) => void>().optional(),
  /** Clock in milliseconds since the epoch. */
  now: callable<() => number>().default(() => Date.now),
});

/** Options of `createJsonLineLogger`. */
export type JsonLineLoggerOptions = z.input<typeof jsonLineLoggerOptionsSchema>;

/** The process's one buffered writer of standard error, shared by every logger that writes there. */
let standardError: BufferedLineWriter | undefined;
const standardErrorLines = (): BufferedLineWriter =>
  (standardError ??= createBufferedLineWriter({ write: (text: string) => process.stderr.write(text) }));

/**
 * Writes the log lines standard error holds now: before a line written elsewhere (standard
 * output) that must come after them.
 */
export function flushStandardErrorLines(): void {
  standardError?.flush();
}

/**
 * The JSON line of any entry, its details redacted: when they cannot be serialised, the line
 * keeps only their names.
 */
function generalJsonLine(time: string, level: LogLevel, msg: string, safe: Record<string, unknown>): string {
  try {
    return JSON.stringify({ time, level, msg, ...safe });
  } catch {
    return JSON.stringify({ time, level, msg, details: Object.keys(safe) });
  }
}

/**
 * A logger that writes one line per entry: by default a JSON object `{"time","level","msg",
 * …details}`. No stack traces and nothing but what the caller passed, with credentials
 * redacted, so operators can grep it and ship it to any log store. Every string is clipped
 * (`clipLogText`) and control characters are escaped, in both formats: clients and the model
 * choose some of what is logged, and must neither flood the log nor drive the terminal that
 * shows it. When the details cannot be serialised the line keeps only their names rather than
 * being dropped. Flat details (the request and run-end lines) are written without being copied
 * (`createFlatJsonLines`), into exactly the line the general path writes (each string escaped
 * on its own).
 */
export function createJsonLineLogger(given: JsonLineLoggerOptions = {}): Logger {
  const options = parseOptions(jsonLineLoggerOptionsSchema, given, 'createJsonLineLogger');
  const threshold = LOG_LEVELS.indexOf(options.level);
  const { now } = options;
  const lineWriter = (level: LogLevel): ((line: string) => void) => {
    if (options.write !== undefined) return options.write;
    const shared = standardErrorLines();
    return level === 'warn' || level === 'error' ? shared.writeNow : shared.write;
  };
  const redacted: ReadonlySet<string> = new Set(options.redact.map((key) => key.toLowerCase()));
  const flatJsonLine = createFlatJsonLines(redacted);
  const isoTime = createIsoTimeClock(now);
  const pretty = options.format === 'pretty';
  const log = (level: LogLevel) => {
    const write = lineWriter(level);
    const on = LOG_LEVELS.indexOf(level) >= threshold;
    return (message: string, details: Record<string, unknown> = {}): void => {
      if (!on) return;
      const clipped = clipLogText(message);
      if (pretty) {
        const time = new Date(now());
        const safe = redactLogDetails(details, redacted);
        write(prettyLogLine({ time, level, message: clipped, details: safe }, options.colour));
        return;
      }
      const time = isoTime();
      // JSON escapes C0 controls itself; C1 controls and bidi overrides would reach a terminal
      // that tails the log raw. The flat line comes escaped.
      write(
        flatJsonLine(time, level, clipped, details) ??
          escapeControlCharacters(generalJsonLine(time, level, clipped, redactLogDetails(details, redacted))),
      );
    };
  };
  return {
    debug: log('debug'),
    info: log('info'),
    warn: log('warn'),
    error: log('error'),
    enabled: (level) => LOG_LEVELS.indexOf(level) >= threshold,
  };
}
