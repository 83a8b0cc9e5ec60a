import { GatewayError, GatewayErrorCode } from './errors.js';

/**
 * A run's start refused because another run's record has its id (`ThreadStore.recordRunStart`):
 * the new run was not recorded, and the record there is left as it was. Code `run_id_in_use`.
 * The same run's start written again (a retry after an outage) is not this error: a record is
 * another run's when its owner, thread or start time differ.
 */
export class RunIdInUseError extends GatewayError {
  readonly runId: string;

  constructor(runId: string) {
    super(GatewayErrorCode.RunIdInUse, `run id ${runId} is already another run's; the run was not recorded`);
    this.name = 'RunIdInUseError';
    this.runId = runId;
  }
}

/** Whether `error` refused a run's start for its id (`RunIdInUseError`, by its stable code). */
export const isRunIdInUse = (error: unknown): boolean =>
  error instanceof GatewayError && error.code === GatewayErrorCode.RunIdInUse;
