import { clipLogText } from './clip-log-text.js';

/**
 * Field names whose values never reach a log line, at any depth, compared without case:
 * credentials, tokens and secrets a caller might pass in a details object by mistake.
 */
export const DEFAULT_REDACTED_KEYS: readonly string[] = [
  'authorization',
  'proxy-authorization',
  'cookie',
  'set-cookie',
  'x-api-key',
  'x-mcp-secret',
  'api_key',
  'apiKey',
  'token',
  'session_token',
  'sessionToken',
  'access_token',
  'refresh_token',
  'password',
  'secret',
  'jwtSecret',
  'client_secret',
];

/** What a redacted value is replaced with. */
export const REDACTED = '[redacted]';

const MAX_DEPTH = 8;
/** Items of one array (and entries of one object) a log entry carries. */
const MAX_ITEMS = 100;

/**
 * A copy of `details` with the value of every key in `keys` (any depth, any case) replaced by
 * `[redacted]`, and every string (values and keys) clipped by `clipLogText`. Arrays and plain
 * objects are walked up to 8 levels and 100 items each; deeper values and cycles are cut
 * (`[too deep]`, `[cycle]`), so a log call never throws or loops, and one entry stays small
 * whatever a client or the model put in it.
 */
export function redactLogDetails(
  details: Record<string, unknown>,
  keys: ReadonlySet<string>,
): Record<string, unknown> {
  const seen = new WeakSet<object>();
  const walk = (value: unknown, depth: number): unknown => {
    if (typeof value === 'string') return clipLogText(value);
    if (typeof value !== 'object' || value === null) return value;
    if (value instanceof Error) return { name: clipLogText(value.name), message: clipLogText(value.message) };
    if (seen.has(value)) return '[cycle]';
    if (depth >= MAX_DEPTH) return '[too deep]';
    seen.add(value);
    try {
      if (Array.isArray(value)) {
        const items = value.slice(0, MAX_ITEMS).map((item: unknown) => walk(item, depth + 1));
        return value.length > MAX_ITEMS ? [...items, `[${value.length - MAX_ITEMS} more items]`] : items;
      }
      if (Object.getPrototypeOf(value) !== Object.prototype && Object.getPrototypeOf(value) !== null)
        return value;
      const copy: Record<string, unknown> = {};
      const entries = Object.entries(value);
      for (const [key, item] of entries.slice(0, MAX_ITEMS)) {
        copy[clipLogText(key)] = keys.has(key.toLowerCase()) ? REDACTED : walk(item, depth + 1);
      }
      if (entries.length > MAX_ITEMS) copy['[more entries]'] = entries.length - MAX_ITEMS;
      return copy;
    } finally {
      seen.delete(value);
    }
  };
  return walk(details, 0) as Record<string, unknown>;
}
