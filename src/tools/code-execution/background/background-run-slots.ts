/** A counter of the background runs of one app, shared by all its sessions. */
export interface BackgroundRunSlots {
  /** The most that may run at once. */
  readonly max: number;
  /** Takes a slot; false (and nothing taken) when all are in use. */
  tryTake(): boolean;
  /** Gives a taken slot back. */
  give(): void;
}

/** Creates the app-wide counter of background runs (`limits.maxBackgroundRuns`). */
export function createBackgroundRunSlots(max: number): BackgroundRunSlots {
  let taken = 0;
  return {
    max,
    tryTake() {
      if (taken >= max) return false;
      taken += 1;
      return true;
    },
    give() {
      taken = Math.max(0, taken - 1);
    },
  };
}
