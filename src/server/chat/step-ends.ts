/**
 * Who waits for a run's next step to end (a model turn and its tool calls, checkpointed with
 * nothing in flight): a shutdown lets the step under way finish before it hands the run over,
 * so the instance that continues it never sends a finished turn again.
 */
export class StepEnds {
  #waiters: Array<() => void> = [];

  /** Resolves when the next step ends (never, if the run ends first: race it with `done`). */
  next(): Promise<void> {
    return new Promise((resolve) => this.#waiters.push(resolve));
  }

  /** A step ended: wakes everyone waiting for it. */
  ended(): void {
    const waiters = this.#waiters;
    if (waiters.length === 0) return;
    this.#waiters = [];
    for (const wake of waiters) wake();
  }
}
