import type { MiddlewareHandler } from 'hono';
import type { z } from 'zod';
import type { RouteAction } from '../auth/request-authorizer.js';
import { parseBody } from '../http/parse-body.js';
import type { BodyRouteHandler, CheckedRouteHandler, RouteHandler } from '../http/route-handler.js';
import type { SessionEnv } from '../http/session-middleware.js';

/** The methods a route of the gateway takes (Hono answers `HEAD` wherever `GET` is served). */
export type RouteMethod = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

/**
 * Who may call a route and where that is checked: `public` (anyone: the probes, session init,
 * the pages), `session` (the mounter puts the session check in front), `in-handler` (the handler
 * checks the session itself: `POST /chat` saves a dispatch of Hono's per chat), `own` (the area
 * puts its own check in front: the API-key bearer of A2A, MCP's 401 naming its metadata).
 */
export type RouteAuth = 'public' | 'session' | 'in-handler' | 'own';

/** What the mounter refuses before the session check: `closing` (503 once the gateway shuts down), `store` (503 while the shared store is unreachable). */
export type RouteGuard = 'closing' | 'store';

/** What every route shares with the mounter: the guards, the session check and the body reader. */
export interface RoutePlumbing {
  requireSession: MiddlewareHandler<SessionEnv>;
  refuseWhileClosing: MiddlewareHandler;
  refuseWhileStoreDown: MiddlewareHandler;
  /** Reads a JSON body with the gateway's content-type, size and depth limits. */
  readBody: (request: Request) => Promise<unknown>;
}

/** The facts of a route, as one entry of the table writes them. */
export interface RouteFacts<Area> {
  method: RouteMethod | readonly RouteMethod[];
  /** Relative to the prefix, or from the root with `at: 'root'` (a function of the prefix where the path names it). */
  path: string | ((prefix: string) => string);
  /** `prefix` (default): under `server.prefix`; `root`: a well-known path, a page, metrics. */
  at?: 'prefix' | 'root';
  /** The area whose context the handler is made from; an area that is off (`undefined`) mounts none of its routes. */
  area: Area;
  auth: RouteAuth;
  guards?: readonly RouteGuard[];
  /** The action asked of `server.authorize` before the handler (session routes only). */
  authorize?: RouteAction;
}

/** One route of the table: its facts, and the handlers Hono gets once the areas are made. */
export interface GatewayRoute<Areas> {
  readonly methods: readonly RouteMethod[];
  readonly path: string | ((prefix: string) => string);
  readonly at: 'prefix' | 'root';
  readonly area: keyof Areas;
  readonly auth: RouteAuth;
  readonly guards: readonly RouteGuard[];
  readonly authorize: RouteAction | undefined;
  /** The body's schema, parsed before the handler, when the route has one fixed schema. */
  readonly body: z.ZodType | undefined;
  /** The route's own check (with `auth: 'own'`) and handler, or `undefined` while its area is off. */
  handlersOf(
    areas: Areas,
    plumbing: RoutePlumbing,
  ): CheckedRouteHandler | { handle: RouteHandler } | undefined;
}

/** The facts every entry has, filled in. */
const factsOf = <Areas, Name extends keyof Areas>(facts: RouteFacts<Name>) => ({
  methods: typeof facts.method === 'string' ? [facts.method] : facts.method,
  path: facts.path,
  at: facts.at ?? 'prefix',
  area: facts.area,
  auth: facts.auth,
  guards: facts.guards ?? [],
  authorize: facts.authorize,
});

/**
 * The entry builders of a table over `Areas` (each area's context, `undefined` while it is off):
 * `route` for a handler, `routeWithBody` for one given its parsed body, `routeWithCheck` for one
 * behind the area's own session check. Each builder keeps the types of its area and body, so
 * the table is data without casts.
 */
export function routeBuilders<Areas>() {
  return {
    route: <Name extends keyof Areas>(
      facts: RouteFacts<Name> & { auth: Exclude<RouteAuth, 'own'> },
      handler: (area: NonNullable<Areas[Name]>) => RouteHandler,
    ): GatewayRoute<Areas> => ({
      ...factsOf<Areas, Name>(facts),
      body: undefined,
      handlersOf: (areas) => {
        const area = areas[facts.area];
        return area === undefined || area === null ? undefined : { handle: handler(area) };
      },
    }),
    routeWithBody: <Name extends keyof Areas, Schema extends z.ZodType>(
      facts: RouteFacts<Name> & { auth: Exclude<RouteAuth, 'own'>; body: Schema },
      handler: (area: NonNullable<Areas[Name]>) => BodyRouteHandler<z.output<Schema>>,
    ): GatewayRoute<Areas> => ({
      ...factsOf<Areas, Name>(facts),
      body: facts.body,
      handlersOf: (areas, plumbing) => {
        const area = areas[facts.area];
        if (area === undefined || area === null) return undefined;
        const handle = handler(area);
        return {
          handle: async (context) =>
            handle(context, parseBody(facts.body, await plumbing.readBody(context.req.raw))),
        };
      },
    }),
    routeWithCheck: <Name extends keyof Areas>(
      facts: RouteFacts<Name> & { auth: 'own' },
      handler: (area: NonNullable<Areas[Name]>) => CheckedRouteHandler,
    ): GatewayRoute<Areas> => ({
      ...factsOf<Areas, Name>(facts),
      body: undefined,
      handlersOf: (areas) => {
        const area = areas[facts.area];
        return area === undefined || area === null ? undefined : handler(area);
      },
    }),
  };
}

/** The path of a route as Hono has it, relative to the prefix or from the root. */
export const pathOfRoute = <Areas>(route: GatewayRoute<Areas>, prefix: string): string =>
  typeof route.path === 'string' ? route.path : route.path(prefix);

/** The `METHOD /pattern` keys of `server.authorize`'s actions, from the table's session routes. */
export function routeActionsOf<Areas>(table: readonly GatewayRoute<Areas>[]): Map<string, RouteAction> {
  const actions = new Map<string, RouteAction>();
  for (const route of table) {
    if (route.authorize === undefined || typeof route.path !== 'string') continue;
    for (const method of route.methods) actions.set(`${method} ${route.path}`, route.authorize);
  }
  return actions;
}
