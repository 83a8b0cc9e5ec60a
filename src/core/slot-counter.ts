/**
 * Slots held at once under a key (the runs of an API key, its calls waiting for an answer),
 * each slot named by its holder. A slot lapses `leaseMs` after it was last taken unless taken
 * again, so a holder that died (a crashed instance) gives its slots back by itself; a holder
 * that lives takes its slot again before the lease ends.
 */
export interface SlotCounter {
  /**
   * Takes (or renews) the slot `member` of `key`: true when it is now held. A member that
   * already holds a slot always renews it; a new one is refused (false) while `limit` slots
   * of the key are held. Atomic: several instances racing for the last slot get it once.
   */
  acquire(key: string, member: string, options: { limit: number; leaseMs: number }): Promise<boolean>;
  /** Gives the slot back; a no-op when `member` holds none. */
  release(key: string, member: string): Promise<void>;
  /** How many slots of `key` are held now. */
  count(key: string): Promise<number>;
  /** The members holding a slot of `key` now, in no particular order. */
  holders(key: string): Promise<string[]>;
}

/** Creates the slot counter named `name` (its slots are counted apart from other counters'). */
export type SlotCounterFactory = (name: string) => SlotCounter;
