import type { SlotCounter } from '../../core/slot-counter.js';

/** Options of `createMemorySlotCounter`. */
export interface MemorySlotCounterOptions {
  /** Clock in milliseconds; `performance.now` unless given. */
  now?: () => number;
}

/**
 * Creates the in-process `SlotCounter`. Single-threaded JavaScript makes each call atomic;
 * lapsed slots are dropped when their key is next looked at, so no timer runs. A key without
 * slots is forgotten, so counting many keys costs memory only while they hold slots.
 */
export function createMemorySlotCounter(options: MemorySlotCounterOptions = {}): SlotCounter {
  const now = options.now ?? (() => performance.now());
  /** Lease ends (ms) by member, by key. */
  const slots = new Map<string, Map<string, number>>();

  const live = (key: string): Map<string, number> | undefined => {
    const held = slots.get(key);
    if (held === undefined) return undefined;
    const time = now();
    for (const [member, until] of held) if (until <= time) held.delete(member);
    if (held.size === 0) slots.delete(key);
    return held.size === 0 ? undefined : held;
  };

  return {
    acquire(key, member, { limit, leaseMs }) {
      const held = live(key) ?? new Map<string, number>();
      if (!held.has(member) && held.size >= limit) return Promise.resolve(false);
      held.set(member, now() + leaseMs);
      slots.set(key, held);
      return Promise.resolve(true);
    },
    release(key, member) {
      const held = slots.get(key);
      held?.delete(member);
      if (held?.size === 0) slots.delete(key);
      return Promise.resolve();
    },
    count(key) {
      return Promise.resolve(live(key)?.size ?? 0);
    },
    holders(key) {
      return Promise.resolve([...(live(key)?.keys() ?? [])]);
    },
  };
}
