import type { GatewayStores } from '../../core/stores.js';
import type { RequestAuthorizer } from '../auth/request-authorizer.js';
import type { GatewayServerConfig } from '../contracts/gateway-config.js';
import type { AnswerOutbox } from './answer-outbox.js';
import type { SuspendedRuns } from './suspended-runs.js';

/**
 * What the answering service's steps share, made once per app: the stores the live calls wait
 * in, the database the suspended ones (and the inbox) are kept in, `server.authorize`, and the
 * services that deliver and resume.
 */
export interface AnsweringParts {
  config: GatewayServerConfig;
  stores: GatewayStores;
  /** `server.authorize`'s; without it only a run's owner answers its calls. */
  authorizer: RequestAuthorizer | undefined;
  report: (error: unknown, where: string) => void;
  /** The app's outbox of answers not received yet (answers still in it are `202`). */
  answerOutbox?: AnswerOutbox | undefined;
  /** The app's runs suspended in the database, answered when the call no longer waits live. */
  suspendedRuns?: SuspendedRuns | undefined;
  /**
   * The session a run of this instance asks its questions under, undefined when the run does not
   * run here: the chat layer's registry, handed down so that this layer does not import it.
   */
  liveSessionOfRun: (runId: string) => string | undefined;
  /** Clock in milliseconds since the epoch. */
  now: () => number;
}
