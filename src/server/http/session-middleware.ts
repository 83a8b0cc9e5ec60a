import type { Context, MiddlewareHandler } from 'hono';
import type { SessionRecord } from '../../core/stores.js';
import type { ThreadOwner } from '../../core/thread-store.js';
import type { HttpLimits } from '../rate-limit/create-http-limits.js';
import type { RouteOfRequest } from '../auth/request-authorizer.js';

/** The Hono environment of routes behind `createSessionMiddleware`: `c.var.session` is set. */
export interface SessionEnv {
  Variables: {
    session: SessionRecord;
    /**
     * Set when `server.authorize` let the session act on a thread or run of another principal
     * of its tenant: the owner the route acts as instead of the session's own.
     */
    actingOwner?: ThreadOwner;
  };
}

/** Options of `createSessionMiddleware`. */
export interface SessionMiddlewareOptions {
  /** Finds the request's session (a 401 `HttpError` when it has none), e.g. `RequestAuthenticator`'s. */
  authenticate(request: Request): Promise<SessionRecord>;
  limits: HttpLimits;
  /** Refuses an action the session may not take (403), from the matched route (`server.authorize`). */
  authorize?: (session: SessionRecord, route: RouteOfRequest) => Promise<ThreadOwner | undefined>;
  /** The normalised prefix, taken off the matched route's pattern for `authorize`. */
  prefix?: string;
}

/**
 * Authenticates the request (a session token, a JWT, the app's hook; 401 otherwise), counts
 * it against its API key's request limit (429 beyond it), and hands the session to the route as
 * `c.var.session` (and `c.var.actingOwner` when `authorize` widened it); resolves to the session.
 * What every session route does first, for a route that does it in its own handler.
 */
export function createSessionCheck(
  options: SessionMiddlewareOptions,
): (context: Context<SessionEnv>) => Promise<SessionRecord> {
  return async function checkSession(context) {
    const session = await options.authenticate(context.req.raw);
    await options.limits.countRequest(session.apiKeyHash);
    if (options.authorize !== undefined) {
      const prefix = options.prefix ?? '';
      const routePath = context.req.routePath;
      const actingOwner = await options.authorize(session, {
        method: context.req.method,
        pattern: routePath.startsWith(prefix) ? routePath.slice(prefix.length) : routePath,
        param: (name) => context.req.param(name),
      });
      if (actingOwner !== undefined) context.set('actingOwner', actingOwner);
    }
    context.set('session', session);
    return session;
  };
}

/** `createSessionCheck` as the middleware in front of a route. */
export function createSessionMiddleware(options: SessionMiddlewareOptions): MiddlewareHandler<SessionEnv> {
  const checkSession = createSessionCheck(options);
  return async function requireSession(context, next) {
    await checkSession(context);
    await next();
  };
}
