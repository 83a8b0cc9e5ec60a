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

/**
 * A copy of `details` with the value of every key in `keys` (any depth, any case) replaced by
 * `[redacted]`. Arrays and plain objects are walked up to 8 levels; deeper values and cycles
 * are cut (`[too deep]`, `[cycle]`), so a log call never throws or loops.
 */
export function redactLogDetails(
  details: Record<string, unknown>,
  keys: ReadonlySet<string>,
): Record<string, unknown> {
  const seen = new WeakSet<object>();
  const walk = (value: unknown, depth: number): unknown => {
    if (typeof value !== 'object' || value === null) return value;
    if (value instanceof Error) return { name: value.name, message: value.message };
    if (seen.has(value)) return '[cycle]';
    if (depth >= MAX_DEPTH) return '[too deep]';
    seen.add(value);
    try {
      if (Array.isArray(value)) return value.map((item) => walk(item, depth + 1));
      if (Object.getPrototypeOf(value) !== Object.prototype && Object.getPrototypeOf(value) !== null)
        return value;
      const copy: Record<string, unknown> = {};
      for (const [key, item] of Object.entries(value)) {
        copy[key] = keys.has(key.toLowerCase()) ? REDACTED : walk(item, depth + 1);
      }
      return copy;
    } finally {
      seen.delete(value);
    }
  };
  return walk(details, 0) as Record<string, unknown>;
}
