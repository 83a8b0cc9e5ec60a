import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { ThreadStore } from '../src/core/thread-store.js';
import { createMemoryThreadStore } from '../src/database/memory/memory-thread-store.js';
import type { DatabaseOption } from '../src/database/sql/open-thread-store.js';
import { textTurn } from '../src/testing/scripted-turn.js';
import { createCleanupStack } from './helpers/cleanup-stack.js';
import { jsonOf, type GatewayClient } from './helpers/gateway-client.js';
import {
  postgresUnavailableReason,
  startPostgresServer,
  type PostgresServer,
} from './helpers/postgres-server.js';
import { sendAs } from './helpers/send-as.js';
import { createSseReader, eventsOf } from './helpers/sse-reader.js';
import { startMockAgent } from './helpers/start-mock-agent.js';

const unavailable = postgresUnavailableReason();
if (unavailable !== undefined) console.warn(unavailable);

const cleanup = createCleanupStack();
afterEach(() => cleanup.run());

let postgres: PostgresServer | undefined;
beforeAll(async () => {
  if (unavailable === undefined) postgres = await startPostgresServer();
}, 120_000);
afterAll(async () => {
  await postgres?.destroy();
}, 60_000);

const folders: string[] = [];
afterAll(async () => {
  await Promise.all(folders.map((dir) => rm(dir, { recursive: true, force: true })));
});

const engines: Array<[string, () => Promise<DatabaseOption | ThreadStore>, boolean]> = [
  ['in memory', () => Promise.resolve(createMemoryThreadStore()), false],
  [
    'embedded (PGlite)',
    async () => {
      const dir = await mkdtemp(join(tmpdir(), 'agent-gateway-nul-'));
      folders.push(dir);
      return { embedded: { dir } };
    },
    false,
  ],
  [
    'PostgreSQL',
    async () => ({ postgres: (await postgres?.createDatabase()) ?? '' }),
    unavailable !== undefined,
  ],
];

const NUL = '\u0000';

/** A cursor shaped like the gateway's own (base64url JSON `[at, id]`), carrying `id`. */
const craftedCursor = (id: string): string =>
  Buffer.from(JSON.stringify([1, id]), 'utf8').toString('base64url');

/** One A2A 1.0 JSON-RPC call; resolves the HTTP status and the JSON-RPC error code, if any. */
async function a2aCall(gateway: GatewayClient, token: string, method: string, params: unknown) {
  const response = await fetch(`${gateway.baseUrl}/a2a`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', 'a2a-version': '1.0' },
    body: JSON.stringify({ jsonrpc: '2.0', id: 1, method, params }),
  });
  const body = (await response.json()) as { error?: { code: number; message: string }; result?: unknown };
  return { status: response.status, error: body.error, result: body.result };
}

describe.each(engines)('a NUL character from a client (%s)', (_name, database, skip) => {
  it.skipIf(skip)(
    'is refused as a client error before the database sees it, on REST and A2A, and never logged as a database failure',
    async () => {
      const reported: string[] = [];
      const { gateway } = await startMockAgent(cleanup, {
        turns: [textTurn('Noted.')],
        agent: {
          server: {
            a2a: true,
            database: await database(),
            onError: (_error, where) => void reported.push(where),
          },
        },
      });
      const session = await gateway.openSession();
      const token = session.token;
      const created = await sendAs(gateway, 'POST', '/threads', token, { title: 'fine' });
      expect(created.status).toBe(201);
      const threadId = String((await jsonOf(created))['thread_id']);
      const chat = await gateway.chat(token, {
        messages: [{ role: 'user', content: 'hi' }],
        thread_id: threadId,
      });
      expect(eventsOf(await createSseReader(chat).rest()).at(-1)).toMatchObject({ type: 'stream_complete' });

      const refusals: Array<[string, Response]> = [
        ['title on create', await sendAs(gateway, 'POST', '/threads', token, { title: `a${NUL}b` })],
        [
          'metadata value',
          await sendAs(gateway, 'POST', '/threads', token, { metadata: { note: `x${NUL}` } }),
        ],
        ['metadata key', await sendAs(gateway, 'POST', '/threads', token, { metadata: { [`k${NUL}`]: 1 } })],
        [
          'nested metadata',
          await sendAs(gateway, 'POST', '/threads', token, { metadata: { deep: [{ note: NUL }] } }),
        ],
        ['title on update', await sendAs(gateway, 'PATCH', `/threads/${threadId}`, token, { title: NUL })],
        [
          'thread list cursor',
          await sendAs(gateway, 'GET', `/threads?cursor=${craftedCursor(`thr_${NUL}`)}`, token),
        ],
        [
          'run list cursor',
          await sendAs(gateway, 'GET', `/threads/${threadId}/runs?cursor=${craftedCursor(`r${NUL}`)}`, token),
        ],
      ];
      for (const [what, response] of refusals) {
        const body = await jsonOf(response);
        expect([400, 422], what).toContain(response.status);
        expect(body['code']).not.toBe('store_unavailable');
      }

      // A2A: a task id and a context id are ids like any other; a page token is a cursor.
      const task = await a2aCall(gateway, token, 'GetTask', { id: `run${NUL}x` });
      expect(task.status).toBe(200);
      expect(task.error?.code).toBe(-32001);
      const listed = await a2aCall(gateway, token, 'ListTasks', { contextId: `ctx${NUL}` });
      expect(listed.error).toBeUndefined();
      expect(listed.result).toMatchObject({ tasks: [] });
      const paged = await a2aCall(gateway, token, 'ListTasks', {
        contextId: threadId,
        pageToken: craftedCursor(`r${NUL}`),
      });
      expect(paged.error?.code).toBe(-32602);
      const sent = await a2aCall(gateway, token, 'SendMessage', {
        message: {
          messageId: 'm1',
          role: 'ROLE_USER',
          contextId: `ctx${NUL}`,
          parts: [{ text: 'hello' }],
        },
      });
      expect(sent.error?.code).toBe(-32602);

      // The thread is untouched and the database was never reported failing.
      const thread = await jsonOf(await sendAs(gateway, 'GET', `/threads/${threadId}`, token));
      expect(thread['title']).toBe('fine');
      expect(reported).not.toContain('database');
    },
    180_000,
  );
});
