import type { MiddlewareHandler } from 'hono';

/** A check that either answers a request itself (a refusal) or lets it through (undefined). */
export type RequestCheck = (context: Parameters<MiddlewareHandler>[0]) => Response | undefined;

/**
 * One Hono middleware that does what `wrappers` then `check` would do registered one by one with
 * `use('*', …)`, in that order: each wrapper runs around the rest of the chain, and a request the
 * check answers goes no further, its answer becoming `context.res` before the wrappers around it
 * read it (as Hono's dispatch makes it). The wrappers must answer only through `next()` (they
 * look at or change `context.res` after it, never return a response of their own).
 *
 * Why: Hono's dispatch of each registered layer costs an async call, a promise and a closure on
 * every request; the gateway's global layers run on every chat.
 */
export function chainMiddleware(
  wrappers: readonly MiddlewareHandler[],
  check: RequestCheck,
): MiddlewareHandler {
  const checked: MiddlewareHandler = (context, next) => {
    const refusal = check(context);
    if (refusal === undefined) return next();
    context.res = refusal;
    return Promise.resolve();
  };
  return wrappers.reduceRight<MiddlewareHandler>(
    (inner, wrapper) => (context, next) => wrapper(context, () => inner(context, next) as Promise<void>),
    checked,
  );
}
