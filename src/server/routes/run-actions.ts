import type { SessionRecord } from '../../core/stores.js';
import { HttpError } from '../../core/http-error.js';
import type { RunRegistry } from '../chat/run-registry.js';
import { cancelRemoteRun, type SharedStores } from '../chat/remote-runs.js';
import type { AnsweringService } from '../pending-answers/answering-service.js';

/** How long `POST /chat/cancel` waits for another instance to confirm a cancel. */
const REMOTE_CANCEL_TIMEOUT_MS = 10_000;

/** What cancelling and answering need from the app. */
export interface RunActionsOptions {
  runs: RunRegistry;
  /** Set when the stores are shared: the run may be on another instance. */
  sharedStores?: SharedStores;
  /** The app's one way into the pending answers, handed on to the routes that take answers. */
  answers: AnsweringService;
}

/** Cancelling a session's run and answering its pending answers, for every route that does. */
export interface RunActions {
  cancelRun: (session: SessionRecord) => Promise<{ runId: string }>;
  /** Every answer goes through it; the routes only translate HTTP to its calls and back. */
  answers: AnsweringService;
}

/**
 * The actions behind `POST /chat/cancel`, `/chat/tool-approval` and `/chat/tool-result`, shared
 * with the protocol adapters (A2A, MCP) that cancel and answer without those routes.
 */
export function createRunActions(options: RunActionsOptions): RunActions {
  const { runs, sharedStores } = options;
  /** Cancels the session's active run, here or (with shared stores) on its instance. */
  const cancelRun = async (session: SessionRecord): Promise<{ runId: string }> => {
    const run = runs.active(session.sessionId);
    if (run === undefined && sharedStores !== undefined) {
      const location = await sharedStores.runDirectory.getLatest(session.sessionId);
      if (location === undefined || location.finished)
        throw HttpError.detail(404, 'No active run for this session');
      if (!(await cancelRemoteRun(sharedStores, location, REMOTE_CANCEL_TIMEOUT_MS))) {
        throw HttpError.detail(504, `Run ${location.runId} did not confirm the cancel in time`);
      }
      return { runId: location.runId };
    }
    if (run === undefined || run.eventLog.finished) {
      throw HttpError.detail(404, 'No active run for this session');
    }
    run.abort('cancelled');
    await run.done;
    return { runId: run.runId };
  };

  return { cancelRun, answers: options.answers };
}
