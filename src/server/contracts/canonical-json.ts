const isPlainRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/**
 * `JSON.stringify` with the keys of every object sorted: one text for one JSON value, whatever
 * order its keys arrived in. It reads values as JSON does (`toJSON` applied, `undefined` object
 * members left out, `undefined` alone or in arrays as `null`), so a value and its parsed JSON
 * copy give the same text even after a store that reorders keys (a Postgres `jsonb` column).
 */
export function canonicalJson(value: unknown): string {
  const text = JSON.stringify(value, (_key, member: unknown) =>
    isPlainRecord(member)
      ? Object.fromEntries(Object.entries(member).sort(([left], [right]) => (left < right ? -1 : 1)))
      : member,
  ) as string | undefined;
  return text ?? 'null';
}
