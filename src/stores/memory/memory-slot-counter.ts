import type { SlotCounter } from '../../core/slot-counter.js';
import { ChurnMap } from '../../core/churn-map.js';

/** Options of `createMemorySlotCounter`. */
export interface MemorySlotCounterOptions {
  /** Clock in milliseconds; `performance.now` unless given. */
  now?: () => number;
}

/**
 * The in-process `SlotCounter`, whose answers are known at once: besides the promises of a
 * `SlotCounter`, it answers the same calls synchronously (what the run caps use per chat, with
 * no promise and no turn of the microtask queue).
 */
export interface MemorySlotCounter extends SlotCounter {
  /** `acquire`, answered at once. */
  acquireNow(key: string, member: string, options: { limit: number; leaseMs: number }): boolean;
  /** `release`, done at once. */
  releaseNow(key: string, member: string): void;
  /** `count`, answered at once. */
  countNow(key: string): number;
}

/** The slots of one key: lease ends (ms) by member, and the soonest of them. */
interface KeySlots {
  readonly until: Map<string, number>;
  /** No lease ends before this (ms): until then nothing lapses, and nothing is scanned. */
  soonest: number;
}

/**
 * Creates the in-process `SlotCounter`. Single-threaded JavaScript makes each call atomic;
 * lapsed slots are dropped when their key is next looked at, so no timer runs. A key without
 * slots is forgotten, so counting many keys costs memory only while they hold slots. A key's
 * slots are scanned for lapsed ones only once its soonest lease end has passed (never, for
 * slots leased for ever: the run slots of a single instance).
 */
export function createMemorySlotCounter(options: MemorySlotCounterOptions = {}): MemorySlotCounter {
  const now = options.now ?? (() => performance.now());
  const slots = new ChurnMap<string, KeySlots>();

  const live = (key: string): KeySlots | undefined => {
    const held = slots.get(key);
    if (held === undefined) return undefined;
    if (held.soonest !== Number.POSITIVE_INFINITY) {
      const time = now();
      if (held.soonest <= time) {
        let soonest = Number.POSITIVE_INFINITY;
        for (const [member, until] of held.until) {
          if (until <= time) held.until.delete(member);
          else if (until < soonest) soonest = until;
        }
        held.soonest = soonest;
      }
    }
    if (held.until.size > 0) return held;
    slots.delete(key);
    return undefined;
  };

  const acquireNow: MemorySlotCounter['acquireNow'] = (key, member, { limit, leaseMs }) => {
    let held = live(key);
    if (held !== undefined && !held.until.has(member) && held.until.size >= limit) return false;
    if (held === undefined) {
      held = { until: new Map(), soonest: Number.POSITIVE_INFINITY };
      slots.set(key, held);
    }
    const until = leaseMs === Number.POSITIVE_INFINITY ? leaseMs : now() + leaseMs;
    held.until.set(member, until);
    // A renewal may push a member's end later than the soonest: the next scan corrects it.
    if (until < held.soonest) held.soonest = until;
    return true;
  };
  const releaseNow = (key: string, member: string): void => {
    const held = slots.get(key);
    held?.until.delete(member);
    if (held?.until.size === 0) slots.delete(key);
  };
  const countNow = (key: string): number => live(key)?.until.size ?? 0;

  return {
    acquireNow,
    releaseNow,
    countNow,
    acquire: (key, member, leasing) => Promise.resolve(acquireNow(key, member, leasing)),
    release(key, member) {
      releaseNow(key, member);
      return Promise.resolve();
    },
    count: (key) => Promise.resolve(countNow(key)),
    holders(key) {
      return Promise.resolve([...(live(key)?.until.keys() ?? [])]);
    },
  };
}
