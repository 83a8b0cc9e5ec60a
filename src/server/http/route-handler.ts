import type { Context, MiddlewareHandler } from 'hono';
import type { SessionEnv } from './session-middleware.js';

/** What a handler answers. */
export type RouteResponse = Response | Promise<Response>;

/**
 * The path parameters the gateway's routes name, as one pattern: a handler reads
 * `c.req.param('id')` as a string, since the router matched its route's `:id`. A new parameter
 * name gets a segment here.
 */
export type RouteParameters = '/:id/:chatId/:approval_id/:file';

/** The context a route's handler is given. */
export type RouteContext = Context<SessionEnv, RouteParameters>;

/**
 * A route's handler, as an area makes it for the route table: the request in, the response out
 * (failures thrown as `HttpError`). The table's mounter puts the guards and the session check
 * in front, so a handler of a session route reads `c.var.session`.
 */
export type RouteHandler = (context: RouteContext) => RouteResponse;

/** A route's handler given the body the table parsed with the route's schema. */
export type BodyRouteHandler<Body> = (context: RouteContext, body: Body) => RouteResponse;

/** A handler behind a session check of its area's own (a route table entry with `auth: 'own'`). */
export interface CheckedRouteHandler {
  check: MiddlewareHandler<SessionEnv>;
  handle: RouteHandler;
}
