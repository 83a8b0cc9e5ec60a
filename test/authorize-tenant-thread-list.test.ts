import { afterEach, describe, expect, it } from 'vitest';
import type { AuthorizeRequest } from '../src/core/authorization.js';
import type { Principal } from '../src/core/principal.js';
import { createMemoryThreadStore } from '../src/database/memory/memory-thread-store.js';
import { textTurn } from '../src/testing/scripted-turn.js';
import { createCleanupStack } from './helpers/cleanup-stack.js';
import { bearerRequest } from './helpers/bearer-request.js';
import { jsonOf } from './helpers/gateway-client.js';
import { startGuardedToolAgent } from './helpers/guarded-tool-agent.js';

/*
 * `GET /threads?scope=tenant` (issue 46): the caller's threads and the threads of the other
 * principals of its issuer and tenant that `server.authorize` lets it read, in pages; never a
 * thread of another tenant, whatever the hook says.
 */

const cleanup = createCleanupStack();
afterEach(() => cleanup.run());

/** `Bearer tm:<tenant>:<subject>` (tenant `-` for none). */
const memberHook = (request: Request): Principal | null => {
  const match = /^Bearer tm:([a-z-]+):([a-z]+)$/.exec(request.headers.get('authorization') ?? '');
  if (match === null) return null;
  const tenant = match[1] ?? '-';
  return { subject: match[2] ?? '', ...(tenant === '-' ? {} : { tenant }), scopes: [], claims: {} };
};

const isOwn = ({ principal, resource }: AuthorizeRequest): boolean =>
  resource.owner.subject === principal.subject && resource.owner.tenant === principal.tenant;

async function startListingAgent(authorize: ((request: AuthorizeRequest) => boolean) | undefined) {
  const asked: AuthorizeRequest[] = [];
  const { gateway } = await startGuardedToolAgent(
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
    bearerRequest(gateway.baseUrl, method, path, token, body);
  const create = async (token: string, title: string): Promise<string> => {
    const response = await call('POST', '/threads', token, { title });
    expect(response.status).toBe(201);
    return ((await jsonOf(response)) as { thread_id: string }).thread_id;
  };
  /** Every page of `GET /threads?scope=tenant&limit=<limit>`: the titles, and how many pages. */
  const listAll = async (token: string, query: string): Promise<{ titles: string[]; pages: number }> => {
    const titles: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const response = await call(
        'GET',
        `/threads?${query}${cursor === null ? '' : `&cursor=${encodeURIComponent(cursor)}`}`,
        token,
      );
      expect(response.status).toBe(200);
      const page = (await jsonOf(response)) as {
        threads: Array<{ title: string }>;
        next_cursor: string | null;
      };
      titles.push(...page.threads.map((thread) => thread.title));
      cursor = page.next_cursor;
      pages += 1;
    } while (cursor !== null && pages < 20);
    return { titles, pages };
  };
  return { call, asked, create, listAll };
}

describe('GET /threads?scope=tenant', () => {
  it("lists the caller's threads and its tenant's threads the hook allows, in pages, never another tenant's", async () => {
    // ada's threads are shared but for her private one.
    let privateId = '';
    const { create, listAll, asked } = await startListingAgent(
      (request) => isOwn(request) || (request.action === 'thread.read' && request.resource.id !== privateId),
    );
    await create('tm:acme:ada', 'ada 1');
    privateId = await create('tm:acme:ada', 'ada private');
    await create('tm:acme:ada', 'ada 2');
    await create('tm:acme:bob', 'bob 1');
    await create('tm:globex:ada', 'globex ada');
    await create('tm:-:ada', 'no tenant ada');
    asked.length = 0;

    const bob = await listAll('tm:acme:bob', 'scope=tenant&limit=2');
    expect([...bob.titles].sort()).toEqual(['ada 1', 'ada 2', 'bob 1']);
    // 4 threads of acme in pages of 2; the private one is skipped, not a cursor's end.
    expect(bob.pages).toBe(2);
    // The hook was asked about ada's threads with ada as the owner.
    expect(asked.some((request) => request.resource.owner.subject === 'ada')).toBe(true);
    expect(asked.every((request) => request.resource.owner.tenant === 'acme')).toBe(true);

    // Without the scope, the caller's own only.
    expect((await listAll('tm:acme:bob', 'limit=2')).titles).toEqual(['bob 1']);
    // Another tenant, and a caller of no tenant, see only their own, whatever the hook says.
    expect((await listAll('tm:globex:ada', 'scope=tenant')).titles).toEqual(['globex ada']);
    expect((await listAll('tm:-:ada', 'scope=tenant')).titles).toEqual(['no tenant ada']);
  });

  it('opens nothing across tenants even when the hook allows everything, nor without the hook', async () => {
    const { create, listAll } = await startListingAgent(() => true);
    await create('tm:acme:ada', 'ada 1');
    await create('tm:globex:bob', 'globex bob');
    expect((await listAll('tm:globex:eve', 'scope=tenant')).titles).toEqual(['globex bob']);
    expect((await listAll('tm:acme:bob', 'scope=tenant')).titles).toEqual(['ada 1']);

    const without = await startListingAgent(undefined);
    await without.create('tm:acme:ada', 'ada 1');
    expect((await without.listAll('tm:acme:bob', 'scope=tenant')).titles).toEqual([]);
  });

  it('refuses a scope it does not know with 400', async () => {
    const { call } = await startListingAgent(() => true);
    const response = await call('GET', '/threads?scope=everyone', 'tm:acme:ada');
    expect(response.status).toBe(400);
  });
});
