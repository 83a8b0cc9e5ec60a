/** Options of `createDeliveryLanes`. */
export interface DeliveryLanesOptions {
  /** Deliveries one target (a URL's `host:port`) may have in flight at once. */
  perTarget: number;
  /** Deliveries the instance may have in flight at once, all targets together. */
  total: number;
}

/**
 * The places of the deliveries in flight on one instance, one lane per target: a target that
 * answers slowly (or never) fills its own lane and waits there, and every other target keeps
 * its places. What holds a place gives it back with `leave`, whichever way it ended.
 */
export interface DeliveryLanes {
  /** Takes a place in `target`'s lane; false (nothing taken) when the lane or the instance is full. */
  enter(target: string): boolean;
  /** Gives back a place `enter` gave. */
  leave(target: string): void;
  /** Places free on the instance. */
  free(): number;
}

/** Creates the lanes of one instance's deliveries. */
export function createDeliveryLanes(options: DeliveryLanesOptions): DeliveryLanes {
  const taken = new Map<string, number>();
  let total = 0;
  return {
    enter(target) {
      const inLane = taken.get(target) ?? 0;
      if (inLane >= options.perTarget || total >= options.total) return false;
      taken.set(target, inLane + 1);
      total += 1;
      return true;
    },
    leave(target) {
      const inLane = taken.get(target) ?? 0;
      if (inLane === 0) return;
      if (inLane === 1) taken.delete(target);
      else taken.set(target, inLane - 1);
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
