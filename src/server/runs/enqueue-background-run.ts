import type { ChatRunRequest } from '../contracts/request-schemas.js';
import { HttpError } from '../../core/http-error.js';
import { keepUntilRunEnds } from '../chat/run-id-reservations.js';
import { startWithMultitask } from '../chat/start-with-multitask.js';
import { capOwnerKey } from '../../core/cap-owner.js';
import { ownerOfSession } from '../threads/thread-wire.js';
import { defaultQueuedRunsSettings } from '../contracts/queued-runs-option.js';
import { backgroundRunToBody } from './background-run-body.js';
import { mayStartRun, queuedRunForbidden } from './may-start-run.js';
import { queueFullError, type WaitingPlace } from './queue-bounds.js';
import type {
  BackgroundRunParts,
  BackgroundRunStart,
  StartBackgroundRunOptions,
  StartedBackgroundRun,
} from './start-background-run.js';

/**
 * A place among the runs waiting in this instance's memory, or 429 `queue_full` past
 * `server.queuedRuns` (counted in bytes as the request's JSON); undefined without bounds.
 */
function takeWaitingPlace(options: StartBackgroundRunOptions): WaitingPlace | undefined {
  if (options.memoryQueue === undefined) return undefined;
  const bytes = Buffer.byteLength(JSON.stringify(backgroundRunToBody(options.request)), 'utf8');
  const place = options.memoryQueue.take(
    options.session.sessionId,
    // The cap's owner: anonymous sessions of a key count together.
    capOwnerKey(ownerOfSession(options.session)),
    bytes,
  );
  if (typeof place === 'string') {
    throw queueFullError(place, options.context.config.queuedRuns ?? defaultQueuedRunsSettings);
  }
  return place;
}

/**
 * An enqueued run (`multitask: 'enqueue'`): its id drawn and held first (a fire's is given),
 * then tried at once; when the session is busy, answered `queued` under that id and started
 * once it is free. The id stays held while the run waits and until it ends, given back when it
 * is dropped (see `startBackgroundRun`).
 */
export async function startOrEnqueue(
  options: StartBackgroundRunOptions,
  multitask: BackgroundRunStart,
  parts: BackgroundRunParts,
): Promise<StartedBackgroundRun> {
  const { context, session, request } = options;
  const { report } = context;
  const { threadId, recordStarted, checkModel } = parts;
  const reserving =
    options.runId === undefined ? context.sessionRuns.runIds.reserve(session.sessionId) : undefined;
  const reservation = reserving instanceof Promise ? await reserving : reserving;
  const runId = options.runId ?? reservation?.runId ?? '';
  /** Whether the id went on with the run: held until its end, or by its wait in the queue. */
  let handedOn = false;
  try {
    const first = await startWithMultitask({ ...multitask, runId, strategy: 'reject' }).catch(
      (error: unknown) => {
        if (error instanceof HttpError && error.status === 409) return undefined;
        throw error;
      },
    );
    if (first?.status === 'started') {
      if (reservation !== undefined) keepUntilRunEnds(first.run, reservation);
      handedOn = true;
      await recordStarted(first.run);
      return { runId, threadId, status: 'running', budgetStanding: first.run.budgetStanding };
    }
    // Refused now, not when its turn comes: a model outside the allow-list is the caller's 400.
    await checkModel();
    if (options.queuedRuns?.durable() === true) {
      await options.queuedRuns.enqueue({
        session,
        request,
        runId,
        ...(reservation === undefined ? {} : { reservation }),
        ...(options.scheduleId === undefined ? {} : { scheduleId: options.scheduleId }),
      });
      handedOn = true;
      return { runId, threadId, status: 'queued' };
    }
    const place = takeWaitingPlace(options);
    // It acts as its session's principal, asked again once its turn comes.
    const prepareQueued = async (): Promise<ChatRunRequest> => {
      if (!(await mayStartRun(context, session))) throw queuedRunForbidden();
      return multitask.prepare();
    };
    let started = false;
    void startWithMultitask({ ...multitask, prepare: prepareQueued, strategy: 'enqueue', runId })
      .finally(() => place?.leave())
      .then((outcome) => {
        if (outcome.status !== 'started') return undefined;
        started = true;
        if (reservation !== undefined) keepUntilRunEnds(outcome.run, reservation);
        return recordStarted(outcome.run);
      })
      .catch((error: unknown) => {
        // Dropped from the wait (the app closes, its principal was refused): the id is free.
        if (!started) void reservation?.release();
        report(error, 'queued run');
      });
    handedOn = true;
    return { runId, threadId, status: 'queued' };
  } finally {
    if (!handedOn) void reservation?.release();
  }
}
