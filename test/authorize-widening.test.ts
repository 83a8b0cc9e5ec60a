import { afterEach, describe, expect, it } from 'vitest';
import type { AuthorizeRequest } from '../src/core/authorization.js';
import type { Principal } from '../src/core/principal.js';
import { createMemoryThreadStore } from '../src/database/memory/memory-thread-store.js';
import { textTurn } from '../src/testing/scripted-turn.js';
import { createCleanupStack } from './helpers/cleanup-stack.js';
import { bearerRequest } from './helpers/bearer-request.js';
import { jsonOf } from './helpers/gateway-client.js';
import { startGuardedToolAgent } from './helpers/guarded-tool-agent.js';
import { readAllSseFrames } from './helpers/sse-reader.js';

/*
 * `server.authorize` widening inside a tenant (issue 46): on a route that names a thread or run
 * of another principal of the caller's tenant, the hook is asked with that principal as the
 * owner, and its yes opens it; across tenants (and for callers of no tenant) nothing opens,
 * whatever the hook says, and a refusal is the same 404 as an id never taken.
 */

const cleanup = createCleanupStack();
afterEach(() => cleanup.run());

/** `Bearer tm:<tenant>:<subject>:<scope,scope>` (tenant `-` for none). */
const memberHook = (request: Request): Principal | null => {
  const match = /^Bearer tm:([a-z-]+):([a-z]+):([a-z:,]*)$/.exec(request.headers.get('authorization') ?? '');
  if (match === null) return null;
  const tenant = match[1] ?? '-';
  return {
    subject: match[2] ?? '',
    ...(tenant === '-' ? {} : { tenant }),
    scopes: (match[3] ?? '').split(',').filter((scope) => scope !== ''),
    claims: {},
  };
};

const isOwn = ({ principal, resource }: AuthorizeRequest): boolean =>
  resource.owner.subject === principal.subject && resource.owner.tenant === principal.tenant;

/** docs/auth.md, tenant-shared threads: members of a tenant read each other's threads and runs. */
const tenantSharedThreads = (request: AuthorizeRequest): boolean =>
  isOwn(request) || request.action === 'thread.read' || request.action === 'run.read';

/** docs/auth.md, read-only auditors: `audit` reads every thread and run of its tenant, and writes nothing. */
const readOnlyAuditors = (request: AuthorizeRequest): boolean => {
  const reads = request.action === 'thread.read' || request.action === 'run.read';
  if (request.principal.scopes.includes('audit')) return reads;
  return isOwn(request);
};

async function startWidenedAgent(authorize: ((request: AuthorizeRequest) => boolean) | undefined) {
  const asked: AuthorizeRequest[] = [];
  const started = await startGuardedToolAgent(
    cleanup,
    [textTurn('Noted.')],
    { name: 'send_payment', description: 'Pays', field: 'to', resultKey: 'paid' },
    {
      spec: {
        server: {
          auth: { authenticate: memberHook },
          ...(authorize === undefined
            ? {}
            : {
                authorize: (request: AuthorizeRequest) => {
                  asked.push(request);
                  return authorize(request);
                },
              }),
          database: createMemoryThreadStore(),
        },
      },
    },
  );
  const call = (method: string, path: string, token: string, body?: unknown) =>
    bearerRequest(started.gateway.baseUrl, method, path, token, body);
  // Ada of acme says something in a thread of hers: a thread and a run on record.
  await readAllSseFrames(
    await call('POST', '/chat', 'tm:acme:ada:', {
      messages: [{ role: 'user', content: 'Remember the invoice' }],
      thread_id: 'thr_ada',
    }),
  );
  const runs = (await jsonOf(await call('GET', '/threads/thr_ada/runs', 'tm:acme:ada:'))) as {
    runs: Array<{ run_id: string }>;
  };
  const runId = runs.runs[0]?.run_id ?? '';
  expect(runId).not.toBe('');
  asked.length = 0;
  return { ...started, call, asked, runId };
}

/** The read routes of ada's thread and run. */
const readsOf = (runId: string): Array<[string, string]> => [
  ['GET', '/threads/thr_ada'],
  ['GET', '/threads/thr_ada/runs'],
  ['GET', `/runs/${runId}`],
  ['GET', `/runs/${runId}/approvals`],
];

describe('server.authorize widening inside a tenant', () => {
  it("lets members of a tenant read each other's threads and runs (tenant-shared threads)", async () => {
    const { call, asked, runId } = await startWidenedAgent(tenantSharedThreads);
    for (const [method, path] of readsOf(runId)) {
      expect((await call(method, path, 'tm:acme:bob:')).status, `${method} ${path}`).toBe(200);
    }
    const thread = (await jsonOf(await call('GET', '/threads/thr_ada', 'tm:acme:bob:'))) as {
      messages: unknown[];
    };
    expect(JSON.stringify(thread.messages)).toContain('Remember the invoice');
    // The hook saw the thread's owner, not the caller, as the owner.
    expect(asked[0]).toMatchObject({
      principal: { subject: 'bob', tenant: 'acme' },
      action: 'thread.read',
      resource: {
        type: 'thread',
        id: 'thr_ada',
        owner: { subject: 'ada', tenant: 'acme', scopes: [], claims: {} },
      },
    });
  });

  it("keeps writes to the owner: a member's rename or delete is a 404 and changes nothing", async () => {
    const { call } = await startWidenedAgent(tenantSharedThreads);
    const rename = await call('PATCH', '/threads/thr_ada', 'tm:acme:bob:', { title: 'mine now' });
    expect(rename.status).toBe(404);
    expect(await jsonOf(rename)).toEqual({ detail: 'Thread not found' });
    expect((await call('DELETE', '/threads/thr_ada', 'tm:acme:bob:')).status).toBe(404);
    const thread = (await jsonOf(await call('GET', '/threads/thr_ada', 'tm:acme:ada:'))) as {
      title: unknown;
    };
    expect(thread.title).toBeNull();
  });

  it('answers a refused widening exactly like an id never taken', async () => {
    const { call } = await startWidenedAgent((request) => isOwn(request));
    const taken = await call('GET', '/threads/thr_ada', 'tm:acme:bob:');
    const never = await call('GET', '/threads/thr_never', 'tm:acme:bob:');
    expect([taken.status, await jsonOf(taken)]).toEqual([never.status, await jsonOf(never)]);
    expect(taken.status).toBe(404);
  });

  it("lets a read-only auditor read the tenant's threads and runs, and refuses it every write, cancel and answer", async () => {
    const { call, runId } = await startWidenedAgent(readOnlyAuditors);
    const auditor = 'tm:acme:eve:audit';
    for (const [method, path] of readsOf(runId)) {
      expect((await call(method, path, auditor)).status, `${method} ${path}`).toBe(200);
    }
    expect((await call('PATCH', '/threads/thr_ada', auditor, { title: 'x' })).status).toBe(404);
    expect((await call('DELETE', '/threads/thr_ada', auditor)).status).toBe(404);
    for (const [method, path, body] of [
      ['POST', '/chat', { messages: [{ role: 'user', content: 'Hi' }], thread_id: 'thr_ada' }],
      ['POST', '/chat/cancel', {}],
      ['POST', '/chat/tool-approval', { tool_call_id: 't', nonce: 'n', approved: true }],
      ['POST', '/chat/tool-result', { tool_call_id: 't', nonce: 'n', result: {} }],
    ] as const) {
      expect((await call(method, path, auditor, body)).status, `${method} ${path}`).toBe(403);
    }
    // A member without the scope reads nothing of ada's.
    expect((await call('GET', '/threads/thr_ada', 'tm:acme:bob:')).status).toBe(404);
  });

  it('opens nothing across tenants, to callers of no tenant, or without the hook, whatever it answers', async () => {
    const { call, asked, runId } = await startWidenedAgent(() => true);
    for (const caller of ['tm:globex:ada:', 'tm:globex:bob:audit', 'tm:-:ada:', 'tm:-:bob:']) {
      for (const [method, path] of [...readsOf(runId), ['DELETE', '/threads/thr_ada'] as [string, string]]) {
        expect((await call(method, path, caller)).status, `${caller} ${method} ${path}`).toBe(404);
      }
    }
    // The hook was never offered ada's things: every question named the caller as the owner.
    expect(asked.length).toBeGreaterThan(0);
    expect(asked.every((request) => request.resource.owner === request.principal)).toBe(true);
    expect((await call('GET', '/threads/thr_ada', 'tm:acme:ada:')).status).toBe(200);

    const { call: callWithoutHook } = await startWidenedAgent(undefined);
    expect((await callWithoutHook('GET', '/threads/thr_ada', 'tm:acme:bob:')).status).toBe(404);
  });
});
