/** A run start held back until it is due (`DeferredRunStart.writeIfDue`). */
export interface DueRunStart {
  /**
   * Writes the start if it is held back and due at `now`; answers when it will be due if it is
   * held back and not due yet (undefined otherwise: written, released, or never asked to wait).
   */
  writeIfDue(now: number): number | undefined;
}

/** The fewest milliseconds between two looks of the clock at the starts it holds. */
export const DEFERRED_START_TICK_MS = 50;

/** The clock of `createDeferredStartClock`. */
export interface DeferredStartClock {
  /** A start is due at `dueAt` (ms since the epoch): the clock looks by then, or soon after. */
  due(dueAt: number): void;
  /** Stops the clock (until the next `due`). Idempotent. */
  stop(): void;
}

/**
 * One timer for every run start held back (`DeferredRunStartWrite.writeLater`), rather than one per
 * run: most runs end before their start is due, and a timer made and cleared per chat was half
 * a kilobyte of garbage and two walks of the timer list each. At each look the clock writes the
 * starts that are due and sleeps until the next one is, but never less than
 * `DEFERRED_START_TICK_MS`: a start is written when it is due or up to that much later. Its timer
 * does not keep the process alive.
 */
export function createDeferredStartClock(
  starts: () => Iterable<DueRunStart>,
  now: () => number = Date.now,
): DeferredStartClock {
  let timer: ReturnType<typeof setTimeout> | undefined;
  /** When the armed timer looks (ms since the epoch). */
  let looksAt = Number.POSITIVE_INFINITY;
  let lastLook = Number.NEGATIVE_INFINITY;

  const arm = (at: number): void => {
    clearTimeout(timer);
    looksAt = Math.max(at, lastLook + DEFERRED_START_TICK_MS);
    timer = setTimeout(look, Math.max(0, looksAt - now()));
    timer.unref?.();
  };
  const look = (): void => {
    timer = undefined;
    looksAt = Number.POSITIVE_INFINITY;
    const at = now();
    lastLook = at;
    let next = Number.POSITIVE_INFINITY;
    for (const start of starts()) {
      const dueAt = start.writeIfDue(at);
      if (dueAt !== undefined && dueAt < next) next = dueAt;
    }
    if (next !== Number.POSITIVE_INFINITY) arm(next);
  };

  return {
    due(dueAt) {
      if (dueAt < looksAt) arm(dueAt);
    },
    stop() {
      clearTimeout(timer);
      timer = undefined;
      looksAt = Number.POSITIVE_INFINITY;
    },
  };
}
