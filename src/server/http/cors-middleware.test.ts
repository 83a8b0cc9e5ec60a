import { Hono } from 'hono';
import { describe, expect, it } from 'vitest';
import { createCorsMiddleware, type CorsMiddlewareOptions } from './cors-middleware.js';

const allowed = 'http://app.example.test';

const appWith = (options: CorsMiddlewareOptions): Hono => {
  const app = new Hono();
  app.use('*', createCorsMiddleware(options));
  app.get('/text', (context) => context.text('hello'));
  app.get('/stream', () => {
    const body = new ReadableStream<Uint8Array>({
      start(controller) {
        controller.enqueue(new TextEncoder().encode('data: {}\n\n'));
        controller.close();
      },
    });
    return new Response(body, { headers: { 'content-type': 'text/event-stream' } });
  });
  app.get('/failing', () => {
    throw new Error('boom');
  });
  app.get('/redirect', () => Response.redirect('http://elsewhere.example.test/', 302));
  app.onError(() => Response.json({ detail: 'failed' }, { status: 500 }));
  return app;
};

describe('createCorsMiddleware', () => {
  it('puts the allow-origin header on the route response of an allowed origin', async () => {
    const app = appWith({ origin: [allowed] });
    const response = await app.request('/text', { headers: { origin: allowed } });
    expect(response.headers.get('access-control-allow-origin')).toBe(allowed);
    expect(response.headers.get('vary')).toBe('Origin');
    expect(await response.text()).toBe('hello');
  });

  it('keeps the body and headers of a streamed response', async () => {
    const app = appWith({ origin: '*' });
    const response = await app.request('/stream', { headers: { origin: allowed } });
    expect(response.headers.get('access-control-allow-origin')).toBe('*');
    expect(response.headers.get('content-type')).toBe('text/event-stream');
    expect(await response.text()).toBe('data: {}\n\n');
  });

  it('gives no allow-origin header to an origin that is not configured', async () => {
    const app = appWith({ origin: [allowed] });
    const response = await app.request('/text', { headers: { origin: 'http://evil.example.test' } });
    expect(response.status).toBe(200);
    expect(response.headers.get('access-control-allow-origin')).toBeNull();
  });

  it('adds the headers to the error handler response', async () => {
    const app = appWith({ origin: [allowed], exposeHeaders: ['x-run-id'] });
    const response = await app.request('/failing', { headers: { origin: allowed } });
    expect(response.status).toBe(500);
    expect(response.headers.get('access-control-allow-origin')).toBe(allowed);
    expect(response.headers.get('access-control-expose-headers')).toBe('x-run-id');
  });

  it('adds the headers to a response whose headers are immutable', async () => {
    const app = appWith({ origin: '*' });
    const response = await app.request('/redirect', { headers: { origin: allowed } });
    expect(response.status).toBe(302);
    expect(response.headers.get('location')).toBe('http://elsewhere.example.test/');
    expect(response.headers.get('access-control-allow-origin')).toBe('*');
  });

  it('answers a preflight like hono cors', async () => {
    const app = appWith({
      origin: [allowed],
      allowMethods: ['GET', 'POST'],
      allowHeaders: ['Authorization'],
    });
    const response = await app.request('/text', {
      method: 'OPTIONS',
      headers: { origin: allowed, 'access-control-request-method': 'POST' },
    });
    expect(response.status).toBe(204);
    expect(response.headers.get('access-control-allow-origin')).toBe(allowed);
    expect(response.headers.get('access-control-allow-methods')).toBe('GET,POST');
    expect(response.headers.get('access-control-allow-headers')).toBe('Authorization');
  });
});
