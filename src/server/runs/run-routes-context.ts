import type { MiddlewareHandler } from 'hono';
import type { SessionEnv } from '../http/session-middleware.js';
import type { RunStarter } from './run-starter.js';

/**
 * What the routes of `runs/` and `schedules/` (`/runs`, `/schedules`) need: the run starter,
 * and the session check, shutdown refusal and body reader every route of the app uses.
 */
export interface RunRoutesContext extends RunStarter {
  /** Verifies the session token and sets `c.var.session` (401 otherwise). */
  requireSession: MiddlewareHandler<SessionEnv>;
  /** 503 once the gateway is shutting down. */
  refuseWhileClosing: MiddlewareHandler;
  /** Reads a JSON body with the gateway's content-type, size and depth limits. */
  readBody(request: Request): Promise<unknown>;
}
