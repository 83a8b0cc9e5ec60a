/**
 * What a database's only writer knows of one poller's work. Pollers (the webhook outbox, the
 * schedules, queued and suspended runs) ask the database every so often whether something came
 * due. When this process is the database's only writer (the embedded engine, whose data folder
 * it locked), work can only appear through its own writes, or through time passing over rows
 * that are already there (a retry's time, a schedule's next fire, a claim lapsing). So once a
 * poll found nothing and the poller's tables hold no such row at all, no poll can find anything
 * until this process writes some: the gate keeps the polls off the database until then.
 */
export interface PollGate {
  /** Whether a poll should ask the database now: false while its tables are known to hold nothing for it. */
  passes(): boolean;
  /**
   * After a round's last poll: `empty` when it found nothing. A round that found nothing while
   * the gate does not know what is left asks `anyLeft`, and the gate closes when nothing is.
   */
  polled(empty: boolean): Promise<void>;
  /** After a write that may give the poller work (settled, whatever its outcome): the gate opens. */
  wrote(): void;
}

/** Options of `createPollGate`. */
export interface PollGateOptions {
  /**
   * Whether the poller's tables hold any row it may act on, now or when its time comes (one
   * statement). Asked after an empty round, and at most every `recheckMs` while rows are left.
   */
  anyLeft: () => Promise<boolean>;
  /**
   * How long a closed gate stays closed without a write (default 60 s): then one round asks the
   * database again, a backstop should work ever appear by a way this process did not see.
   */
  closedForMs?: number;
  /** How often an empty round asks `anyLeft` again while rows were left (default 10 s). */
  recheckMs?: number;
  now?: () => number;
}

/** A gate for one poller; open (polls go to the database) until a round shows nothing is left. */
export function createPollGate(options: PollGateOptions): PollGate {
  const { anyLeft } = options;
  const closedForMs = options.closedForMs ?? 60_000;
  const recheckMs = options.recheckMs ?? 10_000;
  const now = options.now ?? Date.now;
  /** Until when polls skip the database; 0: open. */
  let closedUntil = 0;
  /** Counts writes, so that a check overtaken by a write never closes the gate. */
  let writes = 0;
  /** When the database last showed work left (a round found some, or `anyLeft` said so). */
  let busyAt = Number.NEGATIVE_INFINITY;

  return {
    passes: () => closedUntil === 0 || now() >= closedUntil,

    async polled(empty) {
      if (!empty) {
        busyAt = now();
        return;
      }
      if (now() - busyAt < recheckMs) return;
      const seen = writes;
      let left: boolean;
      try {
        left = await anyLeft();
      } catch {
        // Left open: the next round's own statements meet the database and report what is wrong.
        return;
      }
      if (writes !== seen) return;
      if (left) busyAt = now();
      else closedUntil = now() + closedForMs;
    },

    wrote() {
      writes += 1;
      closedUntil = 0;
      busyAt = Number.NEGATIVE_INFINITY;
    },
  };
}

/** Runs `write`, then opens `gate` (after the write settled: a check that began before it never closes the gate). */
export async function writing<Value>(gate: PollGate, write: () => Promise<Value>): Promise<Value> {
  try {
    return await write();
  } finally {
    gate.wrote();
  }
}
