/**
 * Trims `text` and, when it is longer than `limit` characters, cuts it to `limit - 3`, drops
 * the whitespace left at the cut and appends "..." — so a clipped summary never ends in
 * " ...".
 */
export function clipText(text: string, limit: number): string {
  const trimmed = text.trim();
  if (trimmed.length <= limit) return trimmed;
  return `${trimmed.slice(0, limit - 3).trimEnd()}...`;
}
