import { evictOldest } from '../../core/evict-oldest.js';

/**
 * Remembers `compute`'s answers for at most the last `maxEntries` keys (the oldest answers
 * forgotten first, an eighth of the bound at a time: see `evictOldest`). For a pure function of a
 * string that every request of a session computes again (a hash of the session's owner): the
 * answer is the same, the work is not repeated.
 */
export function boundedMemo<Value>(
  maxEntries: number,
  compute: (key: string) => Value,
): (key: string) => Value {
  const remembered = new Map<string, Value>();
  return (key) => {
    const known = remembered.get(key);
    if (known !== undefined) return known;
    const value = compute(key);
    remembered.set(key, value);
    evictOldest(remembered, maxEntries);
    return value;
  };
}
