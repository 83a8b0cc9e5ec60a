import type { Env, Hono } from 'hono';

/**
 * Answers a method no route of a known path takes with `405` and an `Allow` header listing the
 * methods it does take (Hono serves `HEAD` wherever `GET` is served). Call it after the routes
 * are registered, so that it only sees requests none of them answered.
 */
export function answerOtherMethodsWith405<E extends Env>(routes: Hono<E>): void {
  const methodsByPath = new Map<string, Set<string>>();
  for (const route of routes.routes) {
    if (route.method === 'ALL') continue;
    const methods = methodsByPath.get(route.path) ?? new Set<string>();
    methods.add(route.method);
    if (route.method === 'GET') methods.add('HEAD');
    methodsByPath.set(route.path, methods);
  }
  for (const [path, methods] of methodsByPath) {
    const allow = [...methods].join(', ');
    routes.all(path, (context) => context.json({ detail: 'Method Not Allowed' }, 405, { Allow: allow }));
  }
}
