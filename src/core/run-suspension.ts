import type { SuspendedCall } from './suspended-run-store.js';

/** What a suspended run waits for: one call per entry, named for the operator's log. */
export type SuspendedCallSummary = Readonly<Pick<SuspendedCall, 'toolCallId' | 'toolName' | 'kind'>>;

/**
 * The reason a run's signal aborts with when the run is suspended until its answers arrive.
 * It is not a failure: the calls it cut short wait in the database and resume with the run, so
 * whatever sees the abort (a tool call, the run's end) tells it apart from a cancellation by
 * this class, never by the message.
 */
export class RunSuspension extends Error {
  /** The calls the run waits for. */
  readonly waitsFor: readonly SuspendedCallSummary[];

  constructor(waitsFor: readonly SuspendedCallSummary[]) {
    super('the run was suspended until its answers arrive');
    this.name = 'RunSuspension';
    this.waitsFor = waitsFor;
  }
}

/** Whether an abort `reason` is a run's suspension (see `RunSuspension`). */
export const isRunSuspension = (reason: unknown): reason is RunSuspension => reason instanceof RunSuspension;
