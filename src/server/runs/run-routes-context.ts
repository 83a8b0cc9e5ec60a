import type { RunStarter } from './run-starter.js';

/**
 * What the routes of `runs/` and `schedules/` (`/runs`, `/schedules`: the `runs` and
 * `schedules` areas of the route table) need: the run starter and the body reader; the session
 * check and the shutdown refusal are the table's.
 */
export interface RunRoutesContext extends RunStarter {
  /** Reads a JSON body with the gateway's content-type, size and depth limits. */
  readBody(request: Request): Promise<unknown>;
}
