import type { Authorize, AuthorizeAction, AuthorizeResource } from '../../core/authorization.js';
import { HttpError } from '../../core/http-error.js';
import type { Logger } from '../../core/logger.js';
import type { Principal } from '../../core/principal.js';
import type { SessionRecord } from '../../core/stores.js';
import { ownerOfSession } from '../contracts/session-owner.js';

/** An owned action and what it is on, as a route names them. */
interface RouteAction {
  action: AuthorizeAction;
  type: AuthorizeResource['type'];
  /** The route parameter that names the resource, if any. */
  param?: string;
}

/**
 * Every session route by method and pattern (relative to the prefix; `*` for any method). A
 * session route missing here is refused while `server.authorize` is set (fail closed), so a new
 * route cannot slip past the hook: `request-authorizer.test.ts` checks the list against the app.
 */
export const ROUTE_ACTIONS: Readonly<Record<string, RouteAction>> = {
  'POST /chat': { action: 'run.start', type: 'run' },
  'GET /chat/stream': { action: 'run.read', type: 'run' },
  'POST /chat/cancel': { action: 'run.cancel', type: 'run' },
  'POST /chat/tool-approval': { action: 'approval.answer', type: 'approval' },
  'POST /chat/tool-result': { action: 'tool.result', type: 'run' },
  'POST /ui/chat': { action: 'run.start', type: 'run' },
  'GET /ui/chat/:chatId/messages': { action: 'thread.read', type: 'thread', param: 'chatId' },
  'GET /ui/chat/:chatId/stream': { action: 'run.read', type: 'thread', param: 'chatId' },
  'POST /ag-ui': { action: 'run.start', type: 'run' },
  'POST /a2a': { action: 'a2a.call', type: 'a2a' },
  '* /mcp': { action: 'mcp.call', type: 'mcp' },
  'POST /threads': { action: 'thread.write', type: 'thread' },
  'GET /threads': { action: 'thread.read', type: 'thread' },
  'GET /threads/:id': { action: 'thread.read', type: 'thread', param: 'id' },
  'PATCH /threads/:id': { action: 'thread.write', type: 'thread', param: 'id' },
  'DELETE /threads/:id': { action: 'thread.delete', type: 'thread', param: 'id' },
  'GET /threads/:id/runs': { action: 'thread.read', type: 'thread', param: 'id' },
  'GET /runs/:id': { action: 'run.read', type: 'run', param: 'id' },
  'GET /runs/:id/approvals': { action: 'run.read', type: 'run', param: 'id' },
  'POST /runs/:id/cancel': { action: 'run.cancel', type: 'run', param: 'id' },
  'POST /runs': { action: 'run.start', type: 'run' },
  'GET /runs': { action: 'run.read', type: 'run' },
  'POST /schedules': { action: 'schedule.write', type: 'schedule' },
  'GET /schedules': { action: 'schedule.read', type: 'schedule' },
  'GET /schedules/:id': { action: 'schedule.read', type: 'schedule', param: 'id' },
  'PATCH /schedules/:id': { action: 'schedule.write', type: 'schedule', param: 'id' },
  'DELETE /schedules/:id': { action: 'schedule.delete', type: 'schedule', param: 'id' },
};

/** The caller as `server.authorize` sees it: the session's principal, or its owner for an API-key session. */
export const principalOfSession = (session: SessionRecord): Principal => {
  if (session.principal !== undefined) {
    const { subject, tenant, scopes, claims } = session.principal;
    return { subject, ...(tenant === undefined ? {} : { tenant }), scopes, claims };
  }
  return { subject: ownerOfSession(session).user ?? session.sessionId, scopes: [], claims: {} };
};

/** What a route tells the authorizer about a request. */
export interface RouteOfRequest {
  method: string;
  /** The matched route pattern relative to the prefix (`/threads/:id`). */
  pattern: string;
  param(name: string): string | undefined;
}

/** Asks `server.authorize` before every owned action. */
export interface RequestAuthorizer {
  /** Refuses the request with 403 unless the hook allows its route's action for the session. */
  checkRoute(session: SessionRecord, route: RouteOfRequest): Promise<void>;
  /** Whether the hook allows `action` on `resource` (of the session's owner) for the session. */
  allows(
    session: SessionRecord,
    action: AuthorizeAction,
    resource: Omit<AuthorizeResource, 'owner'>,
  ): Promise<boolean>;
}

/**
 * Creates the authorizer of `server.authorize`. The hook narrows: stores answer only the
 * caller's own things, so an action it allows is still on the caller's own resource, and one it
 * refuses is a 403 (a throw is a refusal too, logged). Owner isolation, tenants included, holds
 * whatever the hook answers.
 */
export function createRequestAuthorizer(options: {
  authorize: Authorize;
  logger: Logger;
}): RequestAuthorizer {
  const { authorize, logger } = options;
  const allows: RequestAuthorizer['allows'] = async (session, action, resource) => {
    const principal = principalOfSession(session);
    try {
      return (await authorize({ principal, action, resource: { ...resource, owner: principal } })) === true;
    } catch (error) {
      logger.warn('server.authorize threw: refused', { action, error: String(error).slice(0, 200) });
      return false;
    }
  };
  return {
    allows,
    async checkRoute(session, route) {
      const known = ROUTE_ACTIONS[`${route.method} ${route.pattern}`] ?? ROUTE_ACTIONS[`* ${route.pattern}`];
      const id = known?.param === undefined ? undefined : route.param(known.param);
      const allowed =
        known !== undefined &&
        (await allows(session, known.action, { type: known.type, ...(id === undefined ? {} : { id }) }));
      if (!allowed) {
        logger.info('authorization refused', {
          action: known?.action ?? `unlisted ${route.method} ${route.pattern}`,
        });
        throw new HttpError(403, { detail: 'Not allowed', code: 'forbidden' });
      }
    },
  };
}
