/**
 * Remembers `compute`'s answers for the last `maxEntries` keys (the oldest answer forgotten
 * first). For a pure function of a string that every request of a session computes again (a
 * hash of the session's owner): the answer is the same, the work is not repeated.
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
    if (remembered.size > maxEntries) {
      const oldest = remembered.keys().next();
      if (oldest.done !== true) remembered.delete(oldest.value);
    }
    return value;
  };
}
