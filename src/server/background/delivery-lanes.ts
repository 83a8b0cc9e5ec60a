/** Options of `createDeliveryLanes`. */
export interface DeliveryLanesOptions {
  /** Deliveries one target (a URL's `host:port`) may have in flight at once. */
  perTarget: number;
  /** Deliveries of one owner (`capOwnerKey` of its runs' owner) in flight at once, all targets together. */
  perOwner: number;
  /** Deliveries the instance may have in flight at once, all targets together. */
  total: number;
}

/** Where a delivery goes and whose it is: the two lanes it takes a place in. */
export interface DeliveryPlace {
  /** The receiver's `host:port` (`targetOf`). */
  readonly target: string;
  /** Whose run it tells of (`capOwnerKey`). */
  readonly owner: string;
}

/**
 * The places of the deliveries in flight on one instance, one lane per target and one per
 * owner: a target that answers slowly (or never) fills its own lane and waits there, and an
 * owner whose receivers are many hosts fills its own share, not the instance; every other
 * target and owner keeps its places. What holds a place gives it back with `leave`, whichever
 * way it ended.
 */
export interface DeliveryLanes {
  /** Takes a place in both lanes of `place`; false (nothing taken) when either or the instance is full. */
  enter(place: DeliveryPlace): boolean;
  /** Gives back a place `enter` gave. */
  leave(place: DeliveryPlace): void;
  /** Places free on the instance. */
  free(): number;
}

/** Counts per key, each at most `limit`. */
class LaneCounts {
  readonly #taken = new Map<string, number>();
  constructor(readonly limit: number) {}
  hasRoom(key: string): boolean {
    return (this.#taken.get(key) ?? 0) < this.limit;
  }
  add(key: string): void {
    this.#taken.set(key, (this.#taken.get(key) ?? 0) + 1);
  }
  /** False when `key` held nothing. */
  remove(key: string): boolean {
    const inLane = this.#taken.get(key) ?? 0;
    if (inLane === 0) return false;
    if (inLane === 1) this.#taken.delete(key);
    else this.#taken.set(key, inLane - 1);
    return true;
  }
}

/** Creates the lanes of one instance's deliveries. */
export function createDeliveryLanes(options: DeliveryLanesOptions): DeliveryLanes {
  const targets = new LaneCounts(options.perTarget);
  const owners = new LaneCounts(options.perOwner);
  let total = 0;
  return {
    enter({ target, owner }) {
      if (!targets.hasRoom(target) || !owners.hasRoom(owner) || total >= options.total) return false;
      targets.add(target);
      owners.add(owner);
      total += 1;
      return true;
    },
    leave({ target, owner }) {
      if (!targets.remove(target)) return;
      owners.remove(owner);
      total -= 1;
    },
    free: () => options.total - total,
  };
}

/** The lane of a delivery's URL: its `host:port` (the whole text when it is not a URL). */
export function targetOf(url: string): string {
  try {
    return new URL(url).host.toLowerCase();
  } catch {
    return url;
  }
}
