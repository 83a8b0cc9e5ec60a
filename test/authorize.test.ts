import { afterEach, describe, expect, it } from 'vitest';
import type { AuthorizeRequest } from '../src/core/authorization.js';
import type { Principal } from '../src/core/principal.js';
import { ROUTE_ACTIONS } from '../src/server/route-table.js';
import { createMemoryThreadStore } from '../src/database/memory/memory-thread-store.js';
import { textTurn, toolCallTurn } from '../src/testing/scripted-turn.js';
import { createCleanupStack } from './helpers/cleanup-stack.js';
import { jsonOf } from './helpers/gateway-client.js';
import { startGuardedToolAgent } from './helpers/guarded-tool-agent.js';
import { eventsOfType, readAllSseFrames } from './helpers/sse-reader.js';
import type { StartMockAgentOptions } from './helpers/start-mock-agent.js';

/*
 * `server.authorize`: asked before every owned action, it narrows what an owner may do (403, or
 * a `forbidden` tool result); owner isolation holds whatever it answers.
 */

const cleanup = createCleanupStack();
afterEach(() => cleanup.run());

/** `Bearer sc:<subject>:<scope,scope>`: a principal of tenant acme with those scopes. */
const scopedHook = (request: Request): Principal | null => {
  const match = /^Bearer sc:([a-z]+):([a-z:,]*)$/.exec(request.headers.get('authorization') ?? '');
  if (match === null) return null;
  return { subject: match[1] ?? '', tenant: 'acme', scopes: (match[2] ?? '').split(','), claims: {} };
};

/** The recipes of docs/auth.md: read-only auditors, and `delete_file` only with `files:delete`. */
const recipes = (request: AuthorizeRequest): boolean => {
  const { principal, action, resource } = request;
  if (principal.scopes.includes('audit')) return action === 'thread.read' || action === 'run.read';
  if (action === 'tool.call' && resource.id === 'delete_file')
    return principal.scopes.includes('files:delete');
  return true;
};

async function startAuthorizedAgent(
  turns: StartMockAgentOptions['turns'],
  authorize: (request: AuthorizeRequest) => boolean | Promise<boolean>,
  asked: AuthorizeRequest[] = [],
) {
  return startGuardedToolAgent(
    cleanup,
    turns,
    { name: 'delete_file', description: 'Deletes a file', field: 'path', resultKey: 'deleted' },
    {
      spec: {
        needsApproval: () => false,
        server: {
          auth: { authenticate: scopedHook },
          authorize: (request) => {
            asked.push(request);
            return authorize(request);
          },
          database: createMemoryThreadStore(),
          a2a: true,
          mcp: true,
        },
      },
    },
  );
}

const call = (baseUrl: string, method: string, path: string, token: string, body?: unknown) =>
  fetch(`${baseUrl}${path}`, {
    method,
    headers: {
      authorization: `Bearer ${token}`,
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });

describe('server.authorize', () => {
  it('is asked with the principal, the action and the resource named by the route', async () => {
    const asked: AuthorizeRequest[] = [];
    const { gateway } = await startAuthorizedAgent([textTurn('Hi.')], recipes, asked);
    const chat = await call(gateway.baseUrl, 'POST', '/chat', 'sc:ada:', {
      messages: [{ role: 'user', content: 'Hello' }],
      thread_id: 'thr_auth',
    });
    await readAllSseFrames(chat);
    expect((await call(gateway.baseUrl, 'GET', '/threads/thr_auth', 'sc:ada:')).status).toBe(200);
    expect(asked.map((request) => request.action)).toEqual(['run.start', 'thread.read']);
    expect(asked[1]).toEqual({
      principal: { subject: 'ada', tenant: 'acme', scopes: [], claims: {} },
      action: 'thread.read',
      resource: { type: 'thread', id: 'thr_auth', owner: asked[1]?.principal },
    });
  });

  it('lets a read-only auditor read and refuses it every write, answer, cancel and protocol call', async () => {
    const { gateway } = await startAuthorizedAgent([], recipes);
    const auditor = 'sc:eve:audit';
    expect((await call(gateway.baseUrl, 'GET', '/threads', auditor)).status).toBe(200);
    for (const [method, path, body] of [
      ['POST', '/chat', { messages: [{ role: 'user', content: 'Hi' }] }],
      ['POST', '/threads', {}],
      ['DELETE', '/threads/thr_x', undefined],
      ['PATCH', '/threads/thr_x', { title: 'x' }],
      ['POST', '/chat/cancel', {}],
      ['POST', '/chat/tool-approval', { tool_call_id: 't', nonce: 'n', approved: true }],
      ['POST', '/a2a', { jsonrpc: '2.0', id: 1, method: 'GetTask', params: { id: 'x' } }],
      ['POST', '/mcp', { jsonrpc: '2.0', id: 1, method: 'tools/list' }],
    ] as const) {
      const response = await call(gateway.baseUrl, method, path, auditor, body);
      expect(response.status, `${method} ${path}`).toBe(403);
      expect(await jsonOf(response)).toMatchObject({ detail: 'Not allowed', code: 'forbidden' });
    }
  });

  it('refuses a tool call the principal may not make as a forbidden result the model reads', async () => {
    const { gateway, calls, upstream } = await startAuthorizedAgent(
      [toolCallTurn('delete_file', { path: '/tmp/x' }, { id: 'toolu_1' }), textTurn('I may not.')],
      recipes,
    );
    const frames = await readAllSseFrames(
      await call(gateway.baseUrl, 'POST', '/chat', 'sc:ada:files:read', {
        messages: [{ role: 'user', content: 'delete /tmp/x' }],
      }),
    );
    expect(calls).toEqual([]);
    expect(JSON.stringify(eventsOfType(frames, 'tool_call_complete'))).toContain('forbidden');
    expect(JSON.stringify(upstream.requests.at(-1)?.body)).toContain('forbidden');
  });

  it('refuses with 403 when the hook throws (fail closed)', async () => {
    const { gateway } = await startAuthorizedAgent([], () => {
      throw new Error('policy service down');
    });
    expect((await call(gateway.baseUrl, 'GET', '/threads', 'sc:ada:')).status).toBe(403);
  });

  it('knows every session route the app serves (a new route cannot slip past the hook)', async () => {
    const { gateway } = await startAuthorizedAgent([], recipes);
    // Logout only takes rights away (its own session's): nothing for the hook to refuse.
    const open = new Set([
      '/chat/init',
      '/chat/session',
      '/health',
      '/health/live',
      '/health/ready',
      '/.well-known/oauth-protected-resource',
    ]);
    const served = gateway.app.hono.routes
      .filter((route) => route.path.startsWith('/api/') && route.method !== 'ALL')
      .map((route) => `${route.method} ${route.path.slice('/api'.length)}`)
      .filter((key) => !open.has(key.split(' ')[1] ?? ''));
    const unknown = [...new Set(served)].filter(
      (key) =>
        ROUTE_ACTIONS[key] === undefined && ROUTE_ACTIONS[`* ${key.split(' ')[1] ?? ''}`] === undefined,
    );
    expect(unknown).toEqual([]);
  });
});
