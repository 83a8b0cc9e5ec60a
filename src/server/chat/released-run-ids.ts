import type { ChurnMap } from '../../core/churn-map.js';

/** The member under which this process keeps an id that was given back and still cools. */
export const RELEASED = '';

/**
 * The ids this process gave back, each still taken in its `live` map (as `RELEASED`) until the
 * grace period after its release ends, in the order they were given back. Two arrays and a
 * head, so a chat's release allocates nothing; an id is let go when a later draw finds its
 * time passed, and only if nothing took it meanwhile.
 */
export class ReleasedRunIds {
  readonly #live: ChurnMap<string, string>;
  readonly #graceMs: number;
  readonly #now: () => number;
  #ids: string[] = [];
  #until: number[] = [];
  #head = 0;

  constructor(live: ChurnMap<string, string>, graceMs: number, now: () => number) {
    this.#live = live;
    this.#graceMs = graceMs;
    this.#now = now;
  }

  /** Keeps `runId` taken (it was given back now) until the grace period ends. */
  add(runId: string): void {
    this.#live.set(runId, RELEASED);
    this.#ids.push(runId);
    this.#until.push(this.#now() + this.#graceMs);
  }

  /** Lets go of the ids whose grace period ended. */
  sweep(): void {
    const now = this.#now();
    while (this.#head < this.#ids.length && (this.#until[this.#head] ?? 0) <= now) {
      const runId = this.#ids[this.#head] ?? '';
      if (this.#live.get(runId) === RELEASED) this.#live.delete(runId);
      this.#head += 1;
    }
    // Dropped from the front in bulk, once the gone half outweighs the rest.
    if (this.#head > 1_024 && this.#head * 2 > this.#ids.length) {
      this.#ids = this.#ids.slice(this.#head);
      this.#until = this.#until.slice(this.#head);
      this.#head = 0;
    }
  }
}
