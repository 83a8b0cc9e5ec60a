import { Hono } from 'hono';
import type { Result, Router } from 'hono/router';
import { TrieRouter } from 'hono/router/trie-router';
import { describe, expect, it } from 'vitest';
import { createGatewayRouter, StaticRouteCache } from './static-route-cache.js';

/** A tree router that counts the matches it is asked for. */
class CountingRouter<T> implements Router<T> {
  readonly name = 'Counting';
  readonly inner = new TrieRouter<T>();
  asked: string[] = [];
  add(method: string, path: string, handler: T): void {
    this.inner.add(method, path, handler);
  }
  match(method: string, path: string): Result<T> {
    this.asked.push(`${method} ${path}`);
    return this.inner.match(method, path);
  }
}

describe('StaticRouteCache', () => {
  it('asks the wrapped router once per method of a literal route path, every time for other paths', () => {
    const inner = new CountingRouter<string>();
    const router = new StaticRouteCache(inner);
    router.add('ALL', '*', 'middleware');
    router.add('POST', '/api/chat', 'chat');
    router.add('GET', '/api/runs/:id', 'run');
    const first = router.match('POST', '/api/chat');
    expect(router.match('POST', '/api/chat')).toBe(first);
    router.match('GET', '/api/chat');
    router.match('GET', '/api/runs/1');
    router.match('GET', '/api/runs/1');
    router.match('POST', '/api/unknown');
    expect(inner.asked).toEqual([
      'POST /api/chat',
      'GET /api/chat',
      'GET /api/runs/1',
      'GET /api/runs/1',
      'POST /api/unknown',
    ]);
    expect(first[0].map(([handler]) => handler)).toEqual(['middleware', 'chat']);
  });

  it('forgets what it remembered when a route is added', () => {
    const inner = new CountingRouter<string>();
    const router = new StaticRouteCache(inner);
    router.add('POST', '/api/chat', 'chat');
    expect(router.match('POST', '/api/chat')[0].map(([handler]) => handler)).toEqual(['chat']);
    router.add('POST', '/api/:name', 'named');
    expect(router.match('POST', '/api/chat')[0].map(([handler]) => handler)).toEqual(['chat', 'named']);
  });

  it('answers an app as Hono’s own router does: routes, parameters, middleware and 404s', async () => {
    const build = (app: Hono): Hono => {
      app.use('*', async (context, next) => {
        await next();
        context.res.headers.set('x-seen', '1');
      });
      app.post('/api/chat', (context) => context.text('chat'));
      app.get('/api/runs/:id', (context) => context.text(`run ${context.req.param('id')}`));
      return app;
    };
    const cached = build(new Hono({ router: createGatewayRouter() }));
    const plain = build(new Hono());
    for (const [method, path] of [
      ['POST', '/api/chat'],
      ['POST', '/api/chat'],
      ['GET', '/api/chat'],
      ['GET', '/api/runs/a%20b'],
      ['GET', '/api/runs/c'],
      ['POST', '/nowhere'],
    ] as const) {
      const request = (): Request => new Request(`http://localhost${path}`, { method });
      const [mine, theirs] = [await cached.fetch(request()), await plain.fetch(request())];
      expect([mine.status, await mine.text(), mine.headers.get('x-seen')]).toEqual([
        theirs.status,
        await theirs.text(),
        theirs.headers.get('x-seen'),
      ]);
    }
  });
});
