import { Hono, type Handler, type MiddlewareHandler } from 'hono';
import type { SessionEnv } from '../http/session-middleware.js';
import { answerOtherMethodsWith405 } from './answer-other-methods.js';
import { pathOfRoute, type GatewayRoute, type RoutePlumbing } from './gateway-route.js';

/** Options of `mountRouteTable`. */
export interface MountRouteTableOptions<Areas> {
  table: readonly GatewayRoute<Areas>[];
  /** Each area's context; an area left `undefined` (its option off) mounts none of its routes. */
  areas: Areas;
  plumbing: RoutePlumbing;
  /** The normalised `server.prefix` (`''` or `/api`). */
  prefix: string;
}

/**
 * Mounts every route of the table on `hono`, in the table's order: the guards the entry names,
 * the session check (`auth: 'session'`) or the area's own (`auth: 'own'`), then the handler;
 * routes under the prefix, then `405` with `Allow` for another method of a known path under the
 * prefix. The one place the gateway registers a route: `test/route-table.test.ts` fails on a
 * route the app has that the table does not list.
 */
export function mountRouteTable<Areas>(hono: Hono, options: MountRouteTableOptions<Areas>): void {
  const { table, areas, plumbing, prefix } = options;
  const underPrefix = new Hono<SessionEnv>();
  const atRoot = new Hono<SessionEnv>();
  const guards: Record<'closing' | 'store', MiddlewareHandler> = {
    closing: plumbing.refuseWhileClosing,
    store: plumbing.refuseWhileStoreDown,
  };
  for (const route of table) {
    const handlers = route.handlersOf(areas, plumbing);
    if (handlers === undefined) continue;
    const chain: Handler<SessionEnv>[] = route.guards.map((guard) => guards[guard]);
    if (route.auth === 'session') chain.push(plumbing.requireSession);
    if ('check' in handlers) chain.push(handlers.check);
    chain.push(handlers.handle);
    const target = route.at === 'root' ? atRoot : underPrefix;
    target.on([...route.methods], [pathOfRoute(route, prefix)], ...chain);
  }
  answerOtherMethodsWith405(underPrefix);
  hono.route(prefix === '' ? '/' : prefix, underPrefix);
  hono.route('/', atRoot);
}
