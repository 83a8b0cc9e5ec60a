import type { RequestAuthorizer } from '../auth/request-authorizer.js';
import type { MultitaskContext } from '../chat/start-with-multitask.js';

/**
 * What `runs/` and `schedules/` start runs through: the session runs and their double-texting
 * rules (`startWithMultitask`'s context, with the cancel that reaches every instance), and
 * `server.authorize`, asked for `run.start` when a run starts without a request in front of it
 * (a schedule's fire, a queued run whose turn came). The composition makes one per app; the
 * routes and the background work share it.
 */
export interface RunStarter extends MultitaskContext {
  /** `server.authorize`'s, when set. */
  authorizer?: RequestAuthorizer;
}
