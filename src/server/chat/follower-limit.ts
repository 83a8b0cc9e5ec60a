import { HttpError } from '../../core/http-error.js';

/** Caps how many connections stream one run from this instance. */
export interface FollowerLimit {
  /**
   * Takes a slot for one more follower of `runId`; returns the idempotent function that frees
   * it, or undefined when the run already has `max` followers here.
   */
  join(runId: string): (() => void) | undefined;
}

/**
 * Creates the per-instance follower cap. Each follower holds a connection and up to
 * `maxBufferedBytesPerStream` of unsent events, so without a cap one session could pin memory
 * in proportion to the number of connections it opens.
 */
export function createFollowerLimit(max: number): FollowerLimit {
  const counts = new Map<string, number>();
  return {
    join(runId) {
      const count = counts.get(runId) ?? 0;
      if (count >= max) return undefined;
      counts.set(runId, count + 1);
      let left = false;
      return () => {
        if (left) return;
        left = true;
        const remaining = (counts.get(runId) ?? 1) - 1;
        if (remaining <= 0) counts.delete(runId);
        else counts.set(runId, remaining);
      };
    },
  };
}

/**
 * The follower cap as routes take it: `join(runId)` returns the idempotent release of a slot,
 * or throws 429 when the run already has `max` followers here.
 */
export function createFollowerSlots(max: number): (runId: string) => () => void {
  const followers = createFollowerLimit(max);
  return (runId) => {
    const leave = followers.join(runId);
    if (leave === undefined) {
      throw HttpError.detail(429, `Run ${runId} already has ${max} streams open; close one first`);
    }
    return leave;
  };
}
