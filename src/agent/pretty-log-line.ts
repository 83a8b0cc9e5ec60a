import { escapeControlCharacters } from './clip-log-text.js';
import type { LogLevel } from './json-line-logger.js';

const LABELS: Readonly<Record<LogLevel, string>> = {
  debug: 'DEBUG',
  info: 'INFO ',
  warn: 'WARN ',
  error: 'ERROR',
};

const COLOURS: Readonly<Record<LogLevel, string>> = {
  debug: '\u001b[90m',
  info: '\u001b[36m',
  warn: '\u001b[33m',
  error: '\u001b[31m',
};

const formatValue = (value: unknown): string => {
  if (typeof value === 'string') return /[\s"=]/.test(value) || value === '' ? JSON.stringify(value) : value;
  if (typeof value === 'number' || typeof value === 'boolean' || value === null) return String(value);
  try {
    return JSON.stringify(value) ?? typeof value;
  } catch {
    return '[unserialisable]';
  }
};

/**
 * One log entry for a person at a terminal: `12:04:05 INFO  request GET /api/health 200 ...`,
 * the details as `key=value` pairs, the level coloured when `colour` is set. Control characters
 * in the message, keys and values are escaped (`\u001b`), so a logged value cannot clear lines,
 * retitle the window or reorder the text; only the level's own colour reaches the terminal.
 */
export function prettyLogLine(
  entry: { time: Date; level: LogLevel; message: string; details: Record<string, unknown> },
  colour: boolean,
): string {
  const time = entry.time.toISOString().slice(11, 19);
  const label = colour ? `${COLOURS[entry.level]}${LABELS[entry.level]}\u001b[0m` : LABELS[entry.level];
  const pairs = Object.entries(entry.details)
    .filter(([, value]) => value !== undefined)
    .map(([key, value]) => escapeControlCharacters(`${key}=${formatValue(value)}`));
  return [time, label, escapeControlCharacters(entry.message), ...pairs].join(' ');
}
