import { routeActionsOf } from './routes/gateway-route.js';
import { GATEWAY_ROUTES } from './route-table.js';
import { createRequestAuthorizer, type RequestAuthorizer } from './auth/request-authorizer.js';
import { isSharedStores } from './chat/remote-runs.js';
import { createSessionRuns, type SessionRuns } from './chat/session-runs.js';
import type { GatewayParts, GatewayState } from './gateway-parts.js';
import type { AnswerOutbox } from './pending-answers/answer-outbox.js';
import { createAnsweringService } from './pending-answers/answering-service.js';
import type { SuspendedRuns } from './pending-answers/suspended-runs.js';
import { createRunActions, type RunActions } from './routes/run-actions.js';
import type { RunStarter } from './runs/run-starter.js';
import { systemNow } from './contracts/system-clock.js';

/**
 * The app's runs as its routes and its background work start and act on them, made once per
 * app: the session runs, `server.authorize`, the run actions (cancel and the answers) and the
 * run starter of `runs/` and `schedules/`, which is made of the three.
 */
export interface GatewayRuns {
  sessionRuns: SessionRuns;
  /** `server.authorize`'s, when set. */
  authorizer: RequestAuthorizer | undefined;
  actions: RunActions;
  starter: RunStarter;
}

/** The services of pending answers the runs resume through and answer into. */
export interface PendingAnswerServices {
  suspendedRuns: SuspendedRuns;
  answerOutbox: AnswerOutbox;
}

/**
 * Makes the app's runs from its parts: the session runs (bound to the suspended runs, which
 * resume through them), the authorizer of `server.authorize` (widened by the database's owners
 * of threads and runs), and the actions shared by `/chat/cancel`, the answers and the protocols.
 */
export function createGatewayRuns(
  parts: GatewayParts,
  state: GatewayState,
  services: PendingAnswerServices,
): GatewayRuns {
  const { config, stores, report, shared, runs } = parts;
  const sessionRuns = createSessionRuns({
    config,
    stores,
    allowedModels: parts.allowedModels,
    runs,
    limits: parts.limits,
    caps: parts.caps,
    ...(shared === undefined ? {} : { shared }),
    runStarts: state.runStarts,
    report,
    suspendedRuns: services.suspendedRuns,
  });
  services.suspendedRuns.bind(sessionRuns);
  const authorizer =
    config.authorize === undefined
      ? undefined
      : createRequestAuthorizer({
          authorize: config.authorize,
          logger: config.logger,
          routeActions: routeActionsOf(GATEWAY_ROUTES),
          ownerOf: async (kind, id) => config.database.current()?.threads.ownerOf?.(kind, id),
        });
  const sharedStores = shared !== undefined && isSharedStores(stores) ? stores : undefined;
  const answers = createAnsweringService({
    config,
    stores,
    authorizer,
    report,
    answerOutbox: services.answerOutbox,
    suspendedRuns: services.suspendedRuns,
    liveSessionOfRun: (runId) => runs.activeRuns().find((run) => run.runId === runId)?.sessionId,
    now: systemNow,
  });
  const actions = createRunActions({
    runs,
    ...(sharedStores === undefined ? {} : { sharedStores }),
    answers,
  });
  const starter: RunStarter = {
    config,
    stores,
    report,
    sessionRuns,
    cancelRun: actions.cancelRun,
    ...(authorizer === undefined ? {} : { authorizer }),
  };
  return { sessionRuns, authorizer, actions, starter };
}
