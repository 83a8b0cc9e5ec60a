/**
 * Whether a JSON-like value holds a NUL character (U+0000) in any string or object key, at any
 * depth. PostgreSQL stores no NUL in `text` or `jsonb`: such input is refused as a client error
 * before a statement is made, so a database error never stands for bad input.
 */
export function containsNul(value: unknown): boolean {
  if (typeof value === 'string') return value.includes('\u0000');
  if (Array.isArray(value)) return value.some(containsNul);
  if (typeof value === 'object' && value !== null) {
    return Object.entries(value).some(([key, inner]) => key.includes('\u0000') || containsNul(inner));
  }
  return false;
}
