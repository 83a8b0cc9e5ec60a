import { GatewayError, GatewayErrorCode } from '../../core/errors.js';
import type { CheckpointSink, RunCheckpoint } from '../../core/run-takeover.js';
import type { GatewayStores, SessionRecord } from '../../core/stores.js';
import type { SuspendedRunStore } from '../../core/suspended-run-store.js';
import type { GatewayServerConfig } from '../contracts/gateway-config.js';
import type { ChatRunRequest } from '../contracts/request-schemas.js';
import type { RunRecording } from '../threads/run-recorder.js';
import { createLazyRunSuspender } from './lazy-run-suspender.js';
import { createRunSuspender, type RunSuspender, type SuspendableRun } from './run-suspender.js';
import { ownerOfSession } from '../threads/thread-wire.js';

/** What `createSuspenderOf` reads of a starting run. */
export interface SuspenderOfOptions {
  config: GatewayServerConfig;
  stores: GatewayStores;
  run: SuspendableRun;
  session: SessionRecord;
  body: ChatRunRequest;
  model: string | undefined;
  /** The run's record in the database; runs are suspended only where they are recorded. */
  recording: RunRecording | undefined;
  report: (error: unknown, where: string) => void;
}

/**
 * The suspender of a starting run: present when the run is recorded in a database whose store
 * keeps suspended runs and `server.suspendAfterMs` is not `false`. Made lazily
 * (`createLazyRunSuspender`): nothing of it but one small object until the run asks a person.
 */
export function createSuspenderOf(options: SuspenderOfOptions): RunSuspender | undefined {
  const { config, recording } = options;
  const store = config.database?.current()?.suspendedRuns;
  if (recording === undefined || store === undefined || config.suspendAfterMs === false) return undefined;
  if (options.body.waitsInMemory === true) return undefined;
  return createLazyRunSuspender(suspenderOf, {
    options,
    store,
    recording,
    suspendAfterMs: config.suspendAfterMs,
  });
}

/** What `suspenderOf` makes a suspender of: the options, with what `createSuspenderOf` checked. */
interface SuspenderInput {
  options: SuspenderOfOptions;
  store: SuspendedRunStore;
  recording: RunRecording;
  suspendAfterMs: number;
}

/** The run's suspender, made once it asks a person something. */
function suspenderOf({ options, store, recording, suspendAfterMs }: SuspenderInput): RunSuspender {
  const { config } = options;
  const limits = { maxRunsOfOwner: config.maxSuspendedRunsPerOwner };
  return createRunSuspender({
    // Past the owner's cap the suspension is refused and the run goes on waiting in memory.
    store: { ...store, suspend: (run, _limits, hold) => store.suspend(run, limits, hold) },
    recorded: () => recording.whenRecorded(),
    pendingAnswers: options.stores.pendingAnswers,
    run: options.run,
    owner: ownerOfSession(options.session),
    principal: options.session.principal,
    request: options.body,
    model: options.model,
    suspendAfterMs,
    report: (error, where) => {
      if (!(error instanceof GatewayError && error.code === GatewayErrorCode.LimitReached)) {
        options.report(error, where);
        return;
      }
      config.logger.warn('run not suspended: its owner has maxSuspendedRunsPerOwner runs suspended', {
        runId: options.run.runId,
        limit: config.maxSuspendedRunsPerOwner,
      });
    },
  });
}

/**
 * The run's checkpoint sink: the shared run's (for takeovers) and the suspender's (where the
 * run stood when it is suspended), either or both; none when neither wants checkpoints. With
 * `forgetAnswered`, it is called at the first checkpoint without tools in flight: the answers a
 * continued run was given are for the calls it found in flight, never for a later call that
 * reuses an id (OpenAI-compatible servers give `call_0` again).
 */
export function checkpointSinkOf(
  save: CheckpointSink | undefined,
  suspender: RunSuspender | undefined,
  forgetAnswered?: () => void,
): { onCheckpoint?: CheckpointSink } {
  if (suspender === undefined && forgetAnswered === undefined) {
    return save === undefined ? {} : { onCheckpoint: save };
  }
  // Kept in memory at once: without a shared run to save it to, the run waits for no promise.
  const note = (checkpoint: RunCheckpoint): void => {
    if (checkpoint.toolsInFlight === undefined) forgetAnswered?.();
    suspender?.checkpoint(checkpoint);
  };
  if (save === undefined) return { onCheckpoint: note };
  return {
    onCheckpoint: async (checkpoint: RunCheckpoint) => {
      note(checkpoint);
      await save(checkpoint);
    },
  };
}
