import type { Context } from 'hono';

/**
 * The route pattern that answered a request (`/api/chat/stream`, `/api/ui/chat/:chatId/stream`),
 * read after the handler ran; `unmatched` for a 404 no route matched, so scanners cannot grow
 * a metric's label set or fill a log with their paths.
 */
export function routeLabel(context: Context): string {
  return context.res.status === 404 && context.req.routePath === '/*' ? 'unmatched' : context.req.routePath;
}
