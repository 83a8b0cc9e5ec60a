import type { Context, MiddlewareHandler } from 'hono';
import { HttpError } from '../../core/http-error.js';
import type { GatewayStores, SessionRecord } from '../../core/stores.js';
import type { AuthenticateOptions, RequestAuthenticator } from '../auth/create-request-authenticator.js';
import type { RequestAuthorizer, RouteOfRequest } from '../auth/request-authorizer.js';
import type { GatewayServerConfig } from '../contracts/gateway-config.js';
import { normalizePrefix } from '../contracts/normalize-prefix.js';
import { createJsonBodyReader } from '../http/read-json-body.js';
import { requireJsonContentType } from '../http/require-json-content-type.js';
import { createSessionCheck, createSessionMiddleware, type SessionEnv } from '../http/session-middleware.js';
import type { HttpLimits } from '../rate-limit/create-http-limits.js';
import type { RoutePlumbing } from './gateway-route.js';

/** Options of `createRequestPlumbing`. */
export interface RequestPlumbingOptions {
  config: Pick<GatewayServerConfig, 'prefix' | 'maxJsonDepth'>;
  stores: Pick<GatewayStores, 'isAvailable'>;
  /** Who sent a request: session tokens, JWTs, the `authenticate` hook (`server.auth`). */
  authenticator: RequestAuthenticator;
  limits: HttpLimits;
  /** `server.authorize`'s, when set: asked by the session check with the matched route. */
  authorizer: RequestAuthorizer | undefined;
  maxBodyBytes: number;
  isClosing: () => boolean;
}

/** The plumbing of every route, and the parts a handler that does its own checks uses. */
export interface RequestPlumbing extends RoutePlumbing {
  /** What `requireSession` does, for a route that does it in its own handler; resolves to the session. */
  checkSession: (context: Context<SessionEnv>) => Promise<SessionRecord>;
  /** The session middleware of a protocol route with its own demands (MCP, A2A). */
  requireSessionFor: (options: AuthenticateOptions) => MiddlewareHandler<SessionEnv>;
  /** What `refuseWhileClosing` does, for a route that does it in its own handler (throws the 503). */
  throwIfClosing: () => void;
}

/**
 * The session check (authentication, the API key's request limit, `server.authorize` with the
 * matched route), the shutdown and store guards and the JSON body reader that the route table's
 * mounter puts in front of its handlers.
 */
export function createRequestPlumbing(options: RequestPlumbingOptions): RequestPlumbing {
  const { config, stores, authenticator, limits, authorizer, maxBodyBytes } = options;
  const authorizing =
    authorizer === undefined
      ? {}
      : {
          authorize: (session: SessionRecord, route: RouteOfRequest) => authorizer.checkRoute(session, route),
          prefix: normalizePrefix(config.prefix),
        };
  const sessionOptions = {
    authenticate: (request: Request) => authenticator.authenticate(request),
    limits,
    ...authorizing,
  };
  const requireSessionFor = (authenticateOptions: AuthenticateOptions) =>
    createSessionMiddleware({
      authenticate: (request) => authenticator.authenticate(request, authenticateOptions),
      limits,
      ...authorizing,
    });
  const readJsonBody = createJsonBodyReader({ maxBytes: maxBodyBytes, maxDepth: config.maxJsonDepth });
  const readBody = (request: Request): Promise<unknown> => {
    requireJsonContentType(request);
    return readJsonBody(request, request.signal);
  };
  const throwIfClosing = (): void => {
    if (options.isClosing()) throw HttpError.detail(503, 'Gateway is shutting down');
  };
  const refuseWhileClosing: MiddlewareHandler = (_context, next) => {
    throwIfClosing();
    return next();
  };
  // Answers and cancels are refused while the store is unreachable, rather than held (and
  // perhaps lost) in the client's connection: the client retries after `retry-after`.
  const refuseWhileStoreDown: MiddlewareHandler = async (_context, next) => {
    if (stores.isAvailable?.() === false) {
      throw HttpError.detail(503, 'The shared store is unreachable; retry', {
        headers: { 'retry-after': '1' },
      });
    }
    await next();
  };
  return {
    requireSession: createSessionMiddleware(sessionOptions),
    checkSession: createSessionCheck(sessionOptions),
    requireSessionFor,
    refuseWhileClosing,
    throwIfClosing,
    refuseWhileStoreDown,
    readBody,
  };
}
