import type { Principal } from './principal.js';

/**
 * What a caller does to something owned (the `action` of `server.authorize`): `thread.*` on
 * threads (a useChat chat and an AG-UI thread are threads), `run.*` on runs (`run.start` is a
 * chat, a useChat or AG-UI message, a background run; `run.read` a run's record, approvals or
 * stream), `approval.answer` and `tool.result` on a run's pending answers, `tool.call` before one
 * of the agent's tools runs, `a2a.call` and `mcp.call` per protocol request, `schedule.*` on
 * schedules, `health.read` for the circuits of `GET /health/details`, `usage.read` for a tenant's
 * spend (`GET /usage?scope=tenant`, the resource id `tenant:<id>`) and `budget.write` for a
 * scope's limit (`PUT /budgets/:scope/:id`, the id `<scope>:<id>`).
 */
export type AuthorizeAction =
  | 'thread.read'
  | 'thread.write'
  | 'thread.delete'
  | 'run.start'
  | 'run.read'
  | 'run.cancel'
  | 'approval.answer'
  | 'client_tool.answer'
  | 'tool.result'
  | 'tool.call'
  | 'a2a.call'
  | 'mcp.call'
  | 'schedule.read'
  | 'schedule.write'
  | 'schedule.delete'
  | 'health.read'
  | 'usage.read'
  | 'budget.write';

/** What the action is on. */
export interface AuthorizeResource {
  type: 'thread' | 'run' | 'approval' | 'tool' | 'a2a' | 'mcp' | 'schedule' | 'health' | 'usage' | 'budget';
  /** The id named in the request (a thread, run or schedule id; the tool's name); absent for lists and new things. */
  id?: string;
  /**
   * For `approval.answer` on `POST /runs/:id/tool-approval` and the inbox, and `client_tool.answer`
   * on the inbox: the tool whose call is answered (`id` is the call's).
   */
  tool?: string;
  /**
   * Whose it is: the caller's own principal, except on a route that names a thread or run of
   * another principal of the caller's issuer and tenant (`GET|PATCH|DELETE /threads/:id`,
   * `GET /threads/:id/runs`, `GET /runs/:id`, `GET /runs/:id/approvals`), where it is that
   * principal (with no scopes or claims: the store keeps only who it is) and a yes lets the
   * caller act on it (widening). Things of other tenants are never offered.
   */
  owner: Principal;
}

/** The argument of `server.authorize`. */
export interface AuthorizeRequest {
  /** The caller; for an API-key session, `{ subject: <owner id>, scopes: [], claims: {} }`. */
  principal: Principal;
  action: AuthorizeAction;
  resource: AuthorizeResource;
}

/** `server.authorize`: true lets the action go on; false (or a throw) refuses it with 403. */
export type Authorize = (request: AuthorizeRequest) => boolean | Promise<boolean>;
