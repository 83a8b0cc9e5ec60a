import type { Result, Router } from 'hono/router';
import { RegExpRouter } from 'hono/router/reg-exp-router';
import { SmartRouter } from 'hono/router/smart-router';
import { TrieRouter } from 'hono/router/trie-router';

/** The methods whose matches are remembered (a request may carry any method token). */
const REMEMBERED_METHODS: ReadonlySet<string> = new Set(['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS']);

/** Whether a route's path has no parameter, wildcard or optional part: it matches itself only. */
const isStaticPath = (path: string): boolean => !/[:*{}?]/.test(path);

/**
 * A Hono router that remembers what the router it wraps answers for a request to a path some
 * route was registered with literally (`/api/chat`): the answer depends on the method and the
 * path alone, and those paths are few, so the memory is bounded by the routes. Any other path
 * (a parameter's value, a path no route names) goes to the wrapped router every time. Adding a
 * route forgets every remembered answer.
 *
 * Why: Hono's matching walks its route tree on every request, and with the gateway's routes it
 * falls back to the tree router; that walk was a measurable part of the CPU of a chat.
 */
export class StaticRouteCache<T> implements Router<T> {
  readonly name: string;
  readonly #inner: Router<T>;
  readonly #staticPaths = new Set<string>();
  // eslint-disable-next-line gateway/churn-collections -- bounded by the routes, written once per static path
  readonly #remembered = new Map<string, Map<string, Result<T>>>();

  constructor(inner: Router<T>) {
    this.#inner = inner;
    this.name = `StaticRouteCache(${inner.name})`;
  }

  add(method: string, path: string, handler: T): void {
    this.#inner.add(method, path, handler);
    if (isStaticPath(path)) this.#staticPaths.add(path);
    this.#remembered.clear();
  }

  match(method: string, path: string): Result<T> {
    if (!this.#staticPaths.has(path) || !REMEMBERED_METHODS.has(method))
      return this.#inner.match(method, path);
    let byMethod = this.#remembered.get(path);
    if (byMethod === undefined) {
      byMethod = new Map();
      this.#remembered.set(path, byMethod);
    }
    let result = byMethod.get(method);
    if (result === undefined) {
      result = this.#inner.match(method, path);
      byMethod.set(method, result);
    }
    return result;
  }
}

/** Hono's default router (the regular-expression router, else the tree router) behind the cache. */
export const createGatewayRouter = <T>(): Router<T> =>
  new StaticRouteCache<T>(new SmartRouter<T>({ routers: [new RegExpRouter<T>(), new TrieRouter<T>()] }));
