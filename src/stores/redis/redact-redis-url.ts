/**
 * The Redis URL without its credentials (`redis://:secret@host:6379/0` → `redis://host:6379/0`),
 * for error messages and logs. A string that is not a URL is reported as `(invalid URL)` rather
 * than echoed, since it may well contain a password.
 */
export function redactRedisUrl(url: string): string {
  try {
    const parsed = new URL(url);
    parsed.username = '';
    parsed.password = '';
    return parsed.toString();
  } catch {
    return '(invalid URL)';
  }
}
