/**
 * The user messages sent to a run while it works (`multitask: "steer"`), waiting for its next
 * turn boundary. A message is taken once; a repeat of the same id (a bus publish retried
 * until heard) is dropped. Once closed (the run's loop returned), nothing more is accepted:
 * `push` then answers false, and the sender starts a run of its own instead.
 */
export interface SteeringQueue {
  /** Adds a message; false when the run no longer reads messages. */
  push(text: string, id?: string): boolean;
  /** Every waiting message, oldest first, removed from the queue. */
  take(): readonly string[];
  /** Stops accepting messages. Idempotent. */
  close(): void;
  /** Whether the run still reads messages. */
  readonly open: boolean;
}

/** What `take` hands back when nothing waits: shared, so a run nobody steers allocates nothing. */
const NOTHING_WAITING: readonly string[] = Object.freeze([]);

/**
 * A steering queue that holds nothing until the first message: every run has one, and almost
 * none is ever steered, so its list and the ids it saw are made at the first push.
 */
class LazySteeringQueue implements SteeringQueue {
  #open = true;
  #waiting: string[] | undefined;
  #seen: Set<string> | undefined;

  get open(): boolean {
    return this.#open;
  }

  push(text: string, id?: string): boolean {
    if (!this.#open) return false;
    if (id !== undefined) {
      this.#seen ??= new Set();
      if (this.#seen.has(id)) return true;
      this.#seen.add(id);
    }
    (this.#waiting ??= []).push(text);
    return true;
  }

  take(): readonly string[] {
    const waiting = this.#waiting;
    if (waiting === undefined || waiting.length === 0) return NOTHING_WAITING;
    this.#waiting = undefined;
    return waiting;
  }

  close(): void {
    this.#open = false;
  }
}

/** Creates an open, empty steering queue. */
export function createSteeringQueue(): SteeringQueue {
  return new LazySteeringQueue();
}
