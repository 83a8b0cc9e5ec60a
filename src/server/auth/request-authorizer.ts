import type { Authorize, AuthorizeAction, AuthorizeResource } from '../../core/authorization.js';
import { HttpError } from '../../core/http-error.js';
import type { Logger } from '../../core/logger.js';
import type { Principal } from '../../core/principal.js';
import type { SessionRecord } from '../../core/stores.js';
import type { ThreadOwner } from '../../core/thread-store.js';
import { ownerOfSession } from '../contracts/session-owner.js';
import { tenantMemberOf } from './tenant-member-of.js';

/** An owned action and what it is on, as a route names them (the `authorize` of a route-table entry). */
export interface RouteAction {
  action: AuthorizeAction;
  type: AuthorizeResource['type'];
  /** The route parameter that names the resource, if any. */
  param?: string;
  /**
   * The route may act on a thread or run of another principal of the caller's tenant when the
   * hook allows it (widening); `notFound` is its 404 detail, which a refusal answers with, so a
   * refusal never tells that the id is taken.
   */
  widens?: { kind: 'thread' | 'run'; notFound: string };
  /** The route asks the hook itself, once it knows what the action is on (the tool of a call). */
  askedByRoute?: true;
}

/** A route's actions by `METHOD /pattern` (relative to the prefix), as the route table lists them. */
export type RouteActions = ReadonlyMap<string, RouteAction>;

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
  /**
   * Refuses the request with 403 unless the hook allows its route's action for the session.
   * Resolves the owner the route acts as when the hook widened it to another principal of the
   * session's tenant, `undefined` for the session's own.
   */
  checkRoute(session: SessionRecord, route: RouteOfRequest): Promise<ThreadOwner | undefined>;
  /** Whether the hook allows `action` on `resource` (of the session's owner) for the session. */
  allows(
    session: SessionRecord,
    action: AuthorizeAction,
    resource: Omit<AuthorizeResource, 'owner'>,
    owner?: Principal,
  ): Promise<boolean>;
}

/** Options of `createRequestAuthorizer`. */
export interface RequestAuthorizerOptions {
  authorize: Authorize;
  logger: Logger;
  /**
   * What each session route asks the hook, by `METHOD /pattern` (`routeActionsOf` of the route
   * table). A session route missing here is refused (fail closed), so a route cannot slip past
   * the hook; an authorizer that only answers `allows` (tool calls) passes an empty map.
   */
  routeActions: RouteActions;
  /**
   * Whose a thread or run is, whoever asks (`ThreadStore.ownerOf` of the database); without it
   * nothing widens.
   */
  ownerOf?: (kind: 'thread' | 'run', id: string) => Promise<ThreadOwner | undefined>;
}

const sameOwner = (left: ThreadOwner, right: ThreadOwner): boolean =>
  left.apiKeyHash === right.apiKeyHash && left.user === right.user;

/**
 * Creates the authorizer of `server.authorize`. The hook narrows what an owner does to its own
 * things (a refusal, or a throw, is a 403), and widens only inside a tenant: on a route that
 * names a thread or run of another principal of the caller's issuer and tenant, it is asked with
 * that principal as `resource.owner`, and its yes lets the route act as that owner; its no is the
 * route's 404, as for an id that was never taken. A thread or run of anyone else (another
 * tenant, an API key, a caller of no tenant) is never offered to the hook: the route acts as the
 * caller, whose stores do not hold it, and answers 404 whatever the hook says.
 */
export function createRequestAuthorizer(options: RequestAuthorizerOptions): RequestAuthorizer {
  const { authorize, logger, ownerOf, routeActions } = options;
  const allows: RequestAuthorizer['allows'] = async (session, action, resource, owner) => {
    const principal = principalOfSession(session);
    try {
      return (
        (await authorize({ principal, action, resource: { ...resource, owner: owner ?? principal } })) ===
        true
      );
    } catch (error) {
      logger.warn('server.authorize threw: refused', { action, error: String(error).slice(0, 200) });
      return false;
    }
  };
  /** The other principal of the caller's tenant that owns the route's thread or run, if any. */
  const memberOwning = async (
    session: SessionRecord,
    widens: NonNullable<RouteAction['widens']>,
    id: string,
  ): Promise<{ owner: ThreadOwner; principal: Principal } | undefined> => {
    if (ownerOf === undefined || session.principal?.tenant === undefined) return undefined;
    let owner: ThreadOwner | undefined;
    try {
      owner = await ownerOf(widens.kind, id);
    } catch (error) {
      // The route's own read meets the same store and answers for it (503).
      logger.warn('owner lookup failed: not widened', { error: String(error).slice(0, 200) });
      return undefined;
    }
    if (owner === undefined || sameOwner(owner, ownerOfSession(session))) return undefined;
    const principal = tenantMemberOf(session.principal, owner);
    return principal === undefined ? undefined : { owner, principal };
  };
  return {
    allows,
    async checkRoute(session, route) {
      const known = routeActions.get(`${route.method} ${route.pattern}`);
      if (known?.askedByRoute === true) return undefined;
      const id = known?.param === undefined ? undefined : route.param(known.param);
      const resource =
        known === undefined ? undefined : { type: known.type, ...(id === undefined ? {} : { id }) };
      const member =
        known?.widens === undefined || id === undefined
          ? undefined
          : await memberOwning(session, known.widens, id);
      if (known !== undefined && resource !== undefined && member !== undefined) {
        if (await allows(session, known.action, resource, member.principal)) return member.owner;
        logger.info('authorization refused', { action: known.action, widening: true });
        throw HttpError.detail(404, known.widens?.notFound ?? 'Not found');
      }
      const allowed =
        known !== undefined && resource !== undefined && (await allows(session, known.action, resource));
      if (!allowed) {
        logger.info('authorization refused', {
          action: known?.action ?? `unlisted ${route.method} ${route.pattern}`,
        });
        throw new HttpError(403, { detail: 'Not allowed', code: 'forbidden' });
      }
      return undefined;
    },
  };
}
