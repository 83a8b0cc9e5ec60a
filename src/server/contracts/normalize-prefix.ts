/**
 * Normalises a route prefix: blank or `/` means no prefix; anything else becomes `/` plus the
 * value stripped of surrounding slashes (`api/` → `/api`).
 */
export function normalizePrefix(prefix: string): string {
  const trimmed = prefix.trim().replace(/^\/+|\/+$/g, '');
  return trimmed === '' ? '' : `/${trimmed}`;
}
