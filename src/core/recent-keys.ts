import type { ChurnKey } from './churn-map.js';

/**
 * The last `capacity` keys added, for "was this seen lately?" (a call id settled already). The
 * oldest goes in constant time, by a ring of the keys in the order they came: evicting with
 * `map.keys().next()` instead walks past every entry deleted since the map last compacted, which
 * under steady churn is thousands of entries (5 µs an eviction at 16,384 keys). The keys are kept
 * in a plain `Set`: they are primitives that the ring keeps alive anyway, so a stale table holds
 * no chat's objects through them (what a `ChurnMap`'s cells prevent), and no cell is made per key.
 */
export class RecentKeys<Key extends ChurnKey> {
  readonly #present = new Set<Key>();
  readonly #ring: Array<Key | undefined>;
  #next = 0;

  constructor(readonly capacity: number) {
    if (!Number.isSafeInteger(capacity) || capacity < 1)
      throw new RangeError('RecentKeys: capacity must be at least 1');
    this.#ring = new Array<Key | undefined>(capacity);
  }

  /** How many keys are remembered (at most `capacity`). */
  get size(): number {
    return this.#present.size;
  }

  has(key: Key): boolean {
    return this.#present.has(key);
  }

  /** Remembers `key`, forgetting the oldest when full; a key remembered already stays where it was. */
  add(key: Key): void {
    // Added first: a key seen already costs one lookup, a new one two (with the oldest's removal).
    const present = this.#present;
    const before = present.size;
    present.add(key);
    if (present.size === before) return;
    const oldest = this.#ring[this.#next];
    if (oldest !== undefined) present.delete(oldest);
    this.#ring[this.#next] = key;
    this.#next = (this.#next + 1) % this.capacity;
  }
}
