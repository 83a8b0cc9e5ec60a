/**
 * What `evictOldest` needs of a bounded collection: how many entries it holds, its keys oldest
 * first, and the removal of one. A `Map` and a `ChurnMap` are such collections as they are.
 */
export interface OldestFirstKeys<Key> {
  readonly size: number;
  /** The keys in insertion order: the first is the oldest (or, in an LRU, the least recently used). */
  keys(): Iterator<Key>;
  delete(key: Key): unknown;
}

/**
 * How many entries a collection bounded to `maxEntries` keeps after a batch of evictions:
 * `maxEntries - floor(maxEntries / 8)`, that is seven eighths of the bound rounded up. Rounded up
 * so that a bound under 8 evicts one entry at a time and a bound of 1 keeps the entry just added.
 */
export function entriesKeptAfterEviction(maxEntries: number): number {
  return maxEntries - Math.floor(maxEntries / 8);
}

/**
 * Evicts the oldest entries of an insertion-ordered collection once it holds more than
 * `maxEntries`, down to seven eighths of the bound (`entriesKeptAfterEviction`), in one walk of
 * its keys; returns how many it evicted (0 while within the bound). Call it after each insert:
 * the collection then never holds more than `maxEntries`, and holds at least seven eighths of
 * them once it has been full. `remove` is how an entry goes (default: `delete`), for a
 * collection whose entries hold something to close; it must delete the key it is given.
 *
 * Why batches: V8 keeps a deleted entry's slot in a `Map`'s table until the table is rebuilt,
 * and `keys().next()` walks past every such slot left since the last rebuild. Evicting one
 * entry per insert from a full map that churns (an LRU that deletes and sets again on every hit,
 * a cache that evicts on every miss) walks past thousands of them each time: 5 µs an eviction
 * at 16,384 entries. A batch pays that walk once for `floor(maxEntries / 8) + 1` evictions, so
 * its cost per insert is a constant.
 *
 * Why an eighth: the walk is at most the table's length (a few times the bound, deleted slots
 * included), so a batch of an eighth costs a few dozen slots per insert at most, while the
 * collection still holds between seven eighths and all of its bound. A larger batch would throw
 * away more of a warm cache at once; a smaller one would pay a longer walk per insert.
 *
 * Throws a `RangeError` when `maxEntries` is not a non-negative safe integer.
 */
export function evictOldest<Key>(
  collection: OldestFirstKeys<Key>,
  maxEntries: number,
  remove: (key: Key) => unknown = (key) => collection.delete(key),
): number {
  if (!Number.isSafeInteger(maxEntries) || maxEntries < 0) {
    throw new RangeError(`evictOldest: maxEntries must be a non-negative integer, not ${maxEntries}`);
  }
  if (collection.size <= maxEntries) return 0;
  const excess = collection.size - entriesKeptAfterEviction(maxEntries);
  const keys = collection.keys();
  let evicted = 0;
  while (evicted < excess) {
    const oldest = keys.next();
    if (oldest.done === true) break;
    remove(oldest.value);
    evicted += 1;
  }
  return evicted;
}
