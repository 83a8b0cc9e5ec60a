import { Hono, type MiddlewareHandler } from 'hono';
import { describe, expect, it } from 'vitest';
import { chainMiddleware, type RequestCheck } from './chain-middleware.js';

/** Wrappers that record the order they ran in and mark the response they saw after `next()`. */
function recordingWrappers(log: string[]): MiddlewareHandler[] {
  return ['outer', 'middle', 'inner'].map((name): MiddlewareHandler => async (context, next) => {
    log.push(`${name} before`);
    await next();
    log.push(`${name} after ${context.res.status}`);
    context.res.headers.append('x-seen-by', name);
  });
}

/** Refuses requests to `/refused` with a 421, as the host guard does. */
const refuseSome: RequestCheck = (context) =>
  context.req.path === '/refused' ? context.json({ detail: 'refused' }, 421) : undefined;

/** The same app twice: the layers registered one by one, or as one chained layer. */
function appOf(chained: boolean, log: string[]): Hono {
  const app = new Hono();
  const wrappers = recordingWrappers(log);
  if (chained) app.use('*', chainMiddleware(wrappers, refuseSome));
  else {
    for (const wrapper of wrappers) app.use('*', wrapper);
    const refuseMiddleware: MiddlewareHandler = (context, next) => {
      const refusal = refuseSome(context);
      return refusal === undefined ? next() : Promise.resolve(refusal);
    };
    app.use('*', refuseMiddleware);
  }
  app.get('/ok', (context) => {
    log.push('route');
    return context.json({ ok: true });
  });
  app.get('/throws', () => {
    log.push('route');
    throw new Error('route failed');
  });
  app.onError((error, context) => context.json({ detail: error.message }, 500));
  return app;
}

async function answerOf(chained: boolean, path: string) {
  const log: string[] = [];
  const response = await appOf(chained, log).request(path);
  return {
    status: response.status,
    seenBy: response.headers.get('x-seen-by'),
    body: await response.text(),
    log,
  };
}

describe('chainMiddleware', () => {
  it.each(['/ok', '/refused', '/throws', '/missing'])(
    'answers %s as the same layers registered one by one do, in the same order',
    async (path) => {
      const chained = await answerOf(true, path);
      expect(chained).toEqual(await answerOf(false, path));
    },
  );

  it('lets the wrappers see and change the answer of a refused request', async () => {
    const refused = await answerOf(true, '/refused');
    expect(refused).toEqual({
      status: 421,
      seenBy: 'inner, middle, outer',
      body: '{"detail":"refused"}',
      log: [
        'outer before',
        'middle before',
        'inner before',
        'inner after 421',
        'middle after 421',
        'outer after 421',
      ],
    });
  });
});
