import { afterEach, describe, expect, it } from 'vitest';
import { createAgent } from '../src/server/assembly/create-agent.js';
import type { GatewayApp } from '../src/server/gateway-app.js';
import { GATEWAY_ROUTES, ROUTE_ACTIONS } from '../src/server/route-table.js';
import { pathOfRoute } from '../src/server/routes/gateway-route.js';
import { createScriptedProvider } from '../src/testing/scripted-provider.js';
import { jsonOf, startGatewayClient } from './helpers/gateway-client.js';

const opened: Pick<GatewayApp, 'close'>[] = [];
afterEach(async () => {
  await Promise.all(opened.splice(0).map((app) => app.close()));
});

/** An agent with every area of the table on: A2A, MCP, the pages, metrics and Slack's buttons. */
function agentWithEveryArea(prefix = '/api'): GatewayApp {
  const app = createAgent({
    systemPrompt: 'You are terse.',
    provider: createScriptedProvider(),
    model: 'scripted',
    server: {
      prefix,
      a2a: true,
      mcp: true,
      playground: true,
      inbox: true,
      metrics: true,
      approvals: {
        slack: { botToken: 'xoxb-route-table', signingSecret: 'route-table', channel: 'C0ROUTES' },
      },
    },
  });
  opened.push(app);
  return app;
}

/** `METHOD /path` of every route the table mounts for `prefix`, every area on. */
function routesOfTable(prefix: string): Set<string> {
  const listed = new Set<string>();
  for (const route of GATEWAY_ROUTES) {
    const path = pathOfRoute(route, prefix);
    const full = route.at === 'root' ? path : `${prefix}${path}`;
    for (const method of route.methods) listed.add(`${method} ${full}`);
  }
  return listed;
}

/**
 * `METHOD /path` of every route Hono has that the table does not list: middleware (`ALL *`)
 * and the `405` answers the mounter adds for the table's own paths under the prefix left out.
 */
function routesOutsideTable(app: GatewayApp): string[] {
  const listed = routesOfTable(app.prefix);
  const listedPaths = new Set([...listed].map((key) => key.slice(key.indexOf(' ') + 1)));
  const outside = new Set<string>();
  for (const route of app.hono.routes) {
    if (route.method === 'ALL' && (route.path === '/*' || route.path === '*')) continue;
    if (route.method === 'ALL' && listedPaths.has(route.path) && route.path.startsWith(app.prefix)) continue;
    const key = `${route.method} ${route.path}`;
    if (!listed.has(key)) outside.add(key);
  }
  return [...outside];
}

describe('the route table', () => {
  it('lists every route the app mounts, and the app mounts every route it lists', () => {
    const app = agentWithEveryArea();
    expect(routesOutsideTable(app)).toEqual([]);
    const mounted = new Set(app.hono.routes.map((route) => `${route.method} ${route.path}`));
    const missing = [...routesOfTable(app.prefix)].filter((key) => !mounted.has(key));
    expect(missing).toEqual([]);
    expect(mounted).toContain('GET /api/threads/:id');
    expect(mounted).toContain('GET /.well-known/agent-card.json');
    expect(mounted).toContain('GET /.well-known/oauth-protected-resource/api/mcp');
  });

  it('fails on a route mounted outside the table', () => {
    const app = agentWithEveryArea();
    app.hono.get('/api/beside-the-table', (context) => context.text('unlisted'));
    app.hono.post('/playground/upload', (context) => context.text('unlisted'));
    expect(routesOutsideTable(app)).toEqual(['GET /api/beside-the-table', 'POST /playground/upload']);
  });

  it('mounts no route of an area whose option is off', () => {
    const app = createAgent({
      systemPrompt: 'You are terse.',
      provider: createScriptedProvider(),
      model: 'scripted',
    });
    opened.push(app);
    const paths = new Set(app.hono.routes.map((route) => route.path));
    for (const absent of [
      '/api/a2a',
      '/api/mcp',
      '/playground',
      '/metrics',
      '/.well-known/agent-card.json',
    ]) {
      expect(paths.has(absent), absent).toBe(false);
    }
    expect(paths.has('/api/chat')).toBe(true);
    expect(routesOutsideTable(app)).toEqual([]);
  });

  it('mounts the routes at the root when the prefix is empty', () => {
    const app = agentWithEveryArea('');
    expect(routesOutsideTable(app)).toEqual([]);
    expect(app.hono.routes.some((route) => route.method === 'POST' && route.path === '/chat')).toBe(true);
    expect(
      app.hono.routes.some(
        (route) => route.method === 'GET' && route.path === '/.well-known/oauth-protected-resource/mcp',
      ),
    ).toBe(true);
  });

  it('names an action of server.authorize for every session route, and none for a public one', () => {
    const unnamed = GATEWAY_ROUTES.filter(
      (route) => (route.auth === 'session' || route.auth === 'own') && route.authorize === undefined,
    ).map((route) => `${route.methods.join('|')} ${String(route.path)}`);
    expect(unnamed).toEqual([]);
    const publicWithAction = GATEWAY_ROUTES.filter(
      (route) => route.auth === 'public' && route.authorize !== undefined,
    );
    expect(publicWithAction).toEqual([]);
    expect(ROUTE_ACTIONS['GET /threads/:id']).toMatchObject({ action: 'thread.read', param: 'id' });
    expect(ROUTE_ACTIONS['DELETE /mcp']).toMatchObject({ action: 'mcp.call' });
  });

  it('checks the body of a route with a schema before its handler runs (422 naming the field)', async () => {
    const gateway = await startGatewayClient(agentWithEveryArea());
    opened.push({ close: () => gateway.close() });
    const session = await gateway.openSession();
    const answered = await gateway.post(
      '/schedules',
      { cron: '0 9 * * *', message: 42 },
      { token: session.token },
    );
    expect(answered.status).toBe(422);
    expect(await jsonOf(answered)).toMatchObject({ detail: [{ loc: ['body', 'message'] }] });
  });

  it('keeps CORS headers off the metrics and on the routes of the table', async () => {
    const origin = 'http://app.example.test';
    const app = createAgent({
      systemPrompt: 'You are terse.',
      provider: createScriptedProvider(),
      model: 'scripted',
      server: { metrics: true, cors: { origins: [origin] } },
    });
    const gateway = await startGatewayClient(app);
    opened.push({ close: () => gateway.close() });
    const root = new URL(gateway.baseUrl).origin;
    await gateway.get('/health');
    const metrics = await fetch(`${root}/metrics`, { headers: { origin } });
    expect(metrics.status).toBe(200);
    expect(metrics.headers.get('access-control-allow-origin')).toBeNull();
    const health = await fetch(`${gateway.baseUrl}/health`, { headers: { origin } });
    expect(health.headers.get('access-control-allow-origin')).toBe(origin);
  });
});
