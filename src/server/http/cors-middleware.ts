import type { MiddlewareHandler } from 'hono';
import { cors } from 'hono/cors';

/** Options of `createCorsMiddleware`: exactly those of Hono's `cors()`. */
export type CorsMiddlewareOptions = NonNullable<Parameters<typeof cors>[0]>;

const doNothing = (): Promise<void> => Promise.resolve();

/**
 * Hono's `cors()` with the same headers and preflight answers, but it writes the headers of an
 * actual (non-`OPTIONS`) request onto the route's response after the route ran, instead of
 * before.
 *
 * Why: Hono's `cors()` sets its headers through `c.res` before `next()`, which makes Hono create
 * an empty placeholder response; when the route then returns its own response, Hono rebuilds
 * that response to merge the placeholder's headers in (`new Response(body, response)` plus a
 * header copy). For an SSE response on `@hono/node-server` that rebuild turns the adapter's
 * lightweight response into two full undici `Response` objects and takes the response off the
 * adapter's fast path: 2.6% of the gateway's CPU per chat in the throughput profile
 * (docs/PERFORMANCE.md). Preflight requests still go through `cors()` unchanged. A request
 * `leavesAlone` names gets no CORS headers and no preflight answer.
 */
export function createCorsMiddleware(
  options: CorsMiddlewareOptions,
  leavesAlone?: (method: string, path: string) => boolean,
): MiddlewareHandler {
  const honoCors = cors(options);
  return async (context, next) => {
    if (leavesAlone?.(context.req.method, context.req.path) === true) return next();
    if (context.req.method === 'OPTIONS') return honoCors(context, next);
    await next();
    try {
      await honoCors(context, doNothing);
    } catch {
      // A response with immutable headers (`Response.error()`, `Response.redirect()`): copy it
      // into one whose headers can change, then add the CORS headers to the copy.
      context.res = new Response(context.res.body, context.res);
      await honoCors(context, doNothing);
    }
    return undefined;
  };
}
