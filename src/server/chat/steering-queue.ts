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
  take(): string[];
  /** Stops accepting messages. Idempotent. */
  close(): void;
  /** Whether the run still reads messages. */
  readonly open: boolean;
}

/** Creates an open, empty steering queue. */
export function createSteeringQueue(): SteeringQueue {
  const waiting: string[] = [];
  const seen = new Set<string>();
  let open = true;
  return {
    push(text, id) {
      if (!open) return false;
      if (id !== undefined) {
        if (seen.has(id)) return true;
        seen.add(id);
      }
      waiting.push(text);
      return true;
    },
    take: () => waiting.splice(0),
    close() {
      open = false;
    },
    get open() {
      return open;
    },
  };
}
