import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { ThreadStore } from '../src/core/thread-store.js';
import { createGatewayApp } from '../src/server/create-gateway-app.js';
import { createMemoryThreadStore } from '../src/database/memory/memory-thread-store.js';
import { textTurn, toolCallTurn, type ScriptedTurn } from '../src/testing/scripted-turn.js';
import { inputHashOf } from '../src/server/threads/run-recorder.js';
import { finishRunOf } from '../src/server/threads/thread-store-calls.js';
import { hashApiKey } from '../src/stores/hash-api-key.js';
import { ownerOfSession } from '../src/server/contracts/session-owner.js';
import { createCleanupStack } from './helpers/cleanup-stack.js';
import { jsonOf, startGatewayClient, type GatewayClient } from './helpers/gateway-client.js';
import { createSseReader, eventsOfType, readAllSseFrames } from './helpers/sse-reader.js';
import { startMockAgent, type StartMockAgentOptions } from './helpers/start-mock-agent.js';
import { toolsFrom } from './helpers/tools-from.js';

const cleanup = createCleanupStack();
afterEach(() => cleanup.run());

const BROWSER_KEY = 'browser-key';
const BACKEND_KEY = 'backend-key';

/** A gateway with two keys (one server-side) and `database` (default: an in-memory store). */
async function startThreadsAgent(
  options: {
    turns?: ScriptedTurn[];
    database?: ThreadStore;
    /** Serve without a database (`server.database: false`). */
    noDatabase?: true;
    agent?: StartMockAgentOptions['agent'];
  } = {},
) {
  const database: ThreadStore = options.database ?? createMemoryThreadStore();
  const started = await startMockAgent(cleanup, {
    turns: options.turns ?? [],
    agent: {
      ...options.agent,
      server: {
        validApiKeys: [BROWSER_KEY, BACKEND_KEY],
        serverSideApiKeys: [BACKEND_KEY],
        database: options.noDatabase === true ? false : database,
        ...options.agent?.server,
      },
    },
  });
  return { ...started, database };
}

/** Opens a session for `apiKey`, acting for `user` when given; returns its token. */
async function sessionOf(gateway: GatewayClient, apiKey: string, user?: string): Promise<string> {
  const response = await gateway.post('/chat/init', {
    api_key: apiKey,
    ...(user === undefined ? {} : { user }),
  });
  const body = await jsonOf(response);
  expect(response.status, JSON.stringify(body)).toBe(200);
  return String(body['session_token']);
}

const send = (gateway: GatewayClient, method: string, path: string, token: string, body?: unknown) =>
  fetch(`${gateway.baseUrl}${path}`, {
    method,
    headers: {
      authorization: `Bearer ${token}`,
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    ...(body === undefined ? {} : { body: typeof body === 'string' ? body : JSON.stringify(body) }),
  });

async function createThread(gateway: GatewayClient, token: string, body: unknown = {}) {
  const response = await send(gateway, 'POST', '/threads', token, body);
  expect(response.status).toBe(201);
  return jsonOf(response);
}

/** Messages of the model request as plain `{role, text}` pairs (Anthropic wire format). */
const conversationOf = (body: unknown): Array<{ role: string; text: string }> =>
  ((body as { messages: Array<{ role: string; content: unknown }> }).messages ?? []).map((message) => ({
    role: message.role,
    text:
      typeof message.content === 'string'
        ? message.content
        : (message.content as Array<{ type: string; text?: string }>)
            .map((block) => (block.type === 'text' ? (block.text ?? '') : `[${block.type}]`))
            .join(''),
  }));

describe('thread routes', () => {
  it('answer 404 naming server.database when no database is configured', async () => {
    const { gateway } = await startThreadsAgent({ noDatabase: true });
    const token = await sessionOf(gateway, BROWSER_KEY);
    for (const [method, path] of [
      ['POST', '/threads'],
      ['GET', '/threads'],
      ['GET', '/threads/thr_x'],
      ['GET', '/runs/run_x'],
    ] as const) {
      const response = await send(gateway, method, path, token, method === 'POST' ? {} : undefined);
      expect(response.status).toBe(404);
      expect(await jsonOf(response)).toMatchObject({
        code: 'database_not_configured',
        detail: expect.stringContaining('server.database') as unknown,
      });
    }
    const chat = await gateway.chat(token, {
      messages: [{ role: 'user', content: 'hi' }],
      thread_id: 'thr_a',
    });
    expect(chat.status).toBe(404);
  });

  it('refuse a user asserted by a key that is not server-side with 403 user_assertion_forbidden', async () => {
    const { gateway } = await startThreadsAgent();
    const response = await gateway.post('/chat/init', { api_key: BROWSER_KEY, user: 'alice' });
    expect(response.status).toBe(403);
    expect(await jsonOf(response)).toMatchObject({ code: 'user_assertion_forbidden' });
    const tooLong = await gateway.post('/chat/init', { api_key: BACKEND_KEY, user: 'x'.repeat(257) });
    expect(tooLong.status).toBe(422);
    const control = await gateway.post('/chat/init', { api_key: BACKEND_KEY, user: 'al\nice' });
    expect(control.status).toBe(422);
  });

  it('scope every thread to its owner: another key or another user of the same key gets 404', async () => {
    const { gateway } = await startThreadsAgent();
    const browser = await sessionOf(gateway, BROWSER_KEY);
    const alice = await sessionOf(gateway, BACKEND_KEY, 'alice');
    const bob = await sessionOf(gateway, BACKEND_KEY, 'bob');
    const backend = await sessionOf(gateway, BACKEND_KEY);

    const created = await createThread(gateway, alice, { title: 'Trip', metadata: { topic: 'travel' } });
    expect(created).toMatchObject({ title: 'Trip', metadata: { topic: 'travel' } });
    expect(created['thread_id']).toMatch(/^thr_[0-9a-f]{32}$/);
    expect(Date.parse(String(created['created_at']))).toBeGreaterThan(0);
    const id = String(created['thread_id']);

    for (const other of [browser, bob, backend]) {
      expect((await send(gateway, 'GET', `/threads/${id}`, other)).status).toBe(404);
      expect((await send(gateway, 'PATCH', `/threads/${id}`, other, { title: 'mine' })).status).toBe(404);
      expect((await send(gateway, 'DELETE', `/threads/${id}`, other)).status).toBe(404);
      expect((await send(gateway, 'GET', `/threads/${id}/runs`, other)).status).toBe(404);
      expect(await jsonOf(await send(gateway, 'GET', '/threads', other))).toEqual({
        threads: [],
        next_cursor: null,
      });
    }
    const other = await gateway.chat(bob, { messages: [{ role: 'user', content: 'hi' }], thread_id: id });
    expect(other.status).toBe(404);

    const patched = await jsonOf(await send(gateway, 'PATCH', `/threads/${id}`, alice, { title: 'Trip 2' }));
    expect(patched).toMatchObject({ thread_id: id, title: 'Trip 2', metadata: { topic: 'travel' } });
    const listed = await jsonOf(await send(gateway, 'GET', '/threads', alice));
    expect(listed).toMatchObject({ threads: [{ thread_id: id, title: 'Trip 2' }], next_cursor: null });
  });

  it('list threads newest first in pages linked by next_cursor', async () => {
    const { gateway } = await startThreadsAgent();
    const token = await sessionOf(gateway, BROWSER_KEY);
    const ids: string[] = [];
    for (let index = 0; index < 5; index += 1) {
      ids.push(String((await createThread(gateway, token, { title: `t${index}` }))['thread_id']));
    }
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const query: string = cursor === null ? '?limit=2' : `?limit=2&cursor=${cursor}`;
      const page = await jsonOf(await send(gateway, 'GET', `/threads${query}`, token));
      const threads = page['threads'] as Array<{ thread_id: string }>;
      expect(threads.length).toBeLessThanOrEqual(2);
      seen.push(...threads.map((thread) => thread.thread_id));
      cursor = page['next_cursor'] as string | null;
    } while (cursor !== null);
    // Each thread once, in the order of the whole list (newest first, by last activity).
    const whole = await jsonOf(await send(gateway, 'GET', '/threads?limit=100', token));
    expect(seen).toEqual(
      (whole['threads'] as Array<{ thread_id: string }>).map((thread) => thread.thread_id),
    );
    expect([...seen].sort()).toEqual([...ids].sort());
  });

  it('refuse bad input with 400 or 422 and the usual error body', async () => {
    const { gateway } = await startThreadsAgent();
    const token = await sessionOf(gateway, BROWSER_KEY);
    const malformed = await send(gateway, 'POST', '/threads', token, '{"title": ');
    expect(malformed.status).toBe(400);
    expect(await jsonOf(malformed)).toMatchObject({
      detail: expect.stringContaining('Malformed JSON') as unknown,
    });
    const wrongType = await send(gateway, 'POST', '/threads', token, { title: 42 });
    expect(wrongType.status).toBe(422);
    expect(await jsonOf(wrongType)).toMatchObject({ detail: [{ loc: ['body', 'title'] }] });
    const huge = await send(gateway, 'POST', '/threads', token, { metadata: { blob: 'x'.repeat(20_000) } });
    expect(huge.status).toBe(422);
    for (const query of [
      '?limit=0',
      '?limit=101',
      '?limit=abc',
      '?cursor=%00%01',
      '?cursor=bm90LWEtY3Vyc29y',
    ]) {
      const response = await send(gateway, 'GET', `/threads${query}`, token);
      expect(response.status, query).toBe(400);
      expect(typeof (await jsonOf(response))['detail']).toBe('string');
    }
    expect((await send(gateway, 'GET', '/threads/..%2Fetc', token)).status).toBe(404);
  });
});

describe('thread-continued chat', () => {
  it('sends only the new message while the model reads the whole stored history', async () => {
    const { gateway, upstream, database } = await startThreadsAgent({
      turns: [textTurn('Paris is the capital.'), textTurn('About 2.1 million people.')],
    });
    const token = await sessionOf(gateway, BACKEND_KEY, 'alice');
    const threadId = 'thr_client_chosen_1';
    const first = await readAllSseFrames(
      await gateway.chat(token, {
        messages: [{ role: 'user', content: 'What is the capital of France?' }],
        thread_id: threadId,
      }),
    );
    expect(eventsOfType(first, 'stream_complete')).toHaveLength(1);
    const second = await readAllSseFrames(
      await gateway.chat(token, {
        messages: [{ role: 'user', content: 'How many live there?' }],
        thread_id: threadId,
      }),
    );
    expect(eventsOfType(second, 'stream_complete')).toHaveLength(1);

    expect(conversationOf(upstream.requests[1]?.body)).toEqual([
      { role: 'user', text: 'What is the capital of France?' },
      { role: 'assistant', text: 'Paris is the capital.' },
      { role: 'user', text: 'How many live there?' },
    ]);
    const thread = await jsonOf(await send(gateway, 'GET', `/threads/${threadId}`, token));
    const messages = thread['messages'] as Array<{ seq: number; role: string; run_id: string }>;
    expect(messages.map((message) => [message.seq, message.role])).toEqual([
      [0, 'user'],
      [1, 'assistant'],
      [2, 'user'],
      [3, 'assistant'],
    ]);
    expect(messages[0]?.run_id).toBe(first[0]?.runId);
    expect(messages[3]?.run_id).toBe(second[0]?.runId);
    // The thread was created for the session's owner: the same key without the user sees nothing.
    expect(await database.getThread({ apiKeyHash: hashApiKey(BACKEND_KEY) }, threadId)).toBeUndefined();
  });

  it('records every run with its usage, with or without a thread, readable by its owner only', async () => {
    const { gateway } = await startThreadsAgent({
      turns: [
        textTurn('One.', { usage: { inputTokens: 11, outputTokens: 3 } }),
        textTurn('Two.', { usage: { inputTokens: 5, outputTokens: 2 } }),
      ],
    });
    const token = await sessionOf(gateway, BROWSER_KEY);
    const other = await sessionOf(gateway, BACKEND_KEY);
    const threadId = String((await createThread(gateway, token))['thread_id']);
    const inThread = await readAllSseFrames(
      await gateway.chat(token, { messages: [{ role: 'user', content: 'one' }], thread_id: threadId }),
    );
    const plain = await readAllSseFrames(await gateway.chat(token, 'two'));
    const runs = await jsonOf(await send(gateway, 'GET', `/threads/${threadId}/runs`, token));
    expect(runs).toMatchObject({
      runs: [
        {
          run_id: inThread[0]?.runId,
          thread_id: threadId,
          status: 'completed',
          outcome_code: null,
          turns: 1,
          usage: { input_tokens: 11, output_tokens: 3 },
        },
      ],
      next_cursor: null,
    });
    const run = await jsonOf(await send(gateway, 'GET', `/runs/${plain[0]?.runId}`, token));
    expect(run).toMatchObject({ thread_id: null, status: 'completed', usage: { input_tokens: 5 } });
    expect(typeof run['estimated_cost']).toBe('number');
    expect(Date.parse(String(run['ended_at']))).toBeGreaterThanOrEqual(Date.parse(String(run['started_at'])));
    expect((await send(gateway, 'GET', `/runs/${plain[0]?.runId}`, other)).status).toBe(404);
  });

  it('records each approval decision with who answered and the hash of the input', async () => {
    const { gateway } = await startThreadsAgent({
      turns: [toolCallTurn('delete_file', { path: '/tmp/a' }, { id: 'toolu_del_1' }), textTurn('Deleted.')],
      agent: {
        needsApproval: (name) => name === 'delete_file',
        tools: toolsFrom({ delete_file: () => ({ ok: true }) }, [
          {
            name: 'delete_file',
            description: 'Deletes a file',
            input_schema: { type: 'object', properties: { path: { type: 'string' } } },
          },
        ]),
      },
    });
    const token = await sessionOf(gateway, BACKEND_KEY, 'alice');
    const reader = createSseReader(
      await gateway.chat(token, {
        messages: [{ role: 'user', content: 'delete it' }],
        thread_id: 'thr_audit',
      }),
    );
    const request = await reader.nextOfType('tool_approval_request');
    const runId = reader.frames[0]?.runId;
    // While it waits, the run is recorded as running (its start written once it said something).
    await expect
      .poll(
        async () =>
          ((await jsonOf(await send(gateway, 'GET', `/runs/${runId}`, token))) as { status?: string }).status,
      )
      .toBe('running');
    const answer = await gateway.post(
      '/chat/tool-approval',
      { tool_call_id: request.tool_call_id, nonce: request.nonce, approved: true, allow_tool_type: true },
      { token },
    );
    expect(answer.status).toBe(200);
    await reader.rest();
    const approvals = await jsonOf(await send(gateway, 'GET', `/runs/${runId}/approvals`, token));
    expect(approvals).toEqual({
      approvals: [
        {
          run_id: runId,
          tool_call_id: 'toolu_del_1',
          tool_name: 'delete_file',
          input_hash: inputHashOf({ path: '/tmp/a' }),
          decision: 'approved',
          always_allow: true,
          answered_by: {
            user: 'alice',
            session_id: expect.stringMatching(/^sess_/) as unknown,
            principal: null,
          },
          answered_at: expect.any(String) as unknown,
        },
      ],
    });
  });

  it('records an approval nobody answered in time as timed_out, answered by no session', async () => {
    const { gateway } = await startThreadsAgent({
      turns: [
        toolCallTurn('delete_file', { path: '/tmp/b' }, { id: 'toolu_del_2' }),
        textTurn('Not deleted.'),
      ],
      agent: {
        needsApproval: (name) => name === 'delete_file',
        server: { approvalTimeoutMs: 300 },
        tools: toolsFrom({ delete_file: () => ({ ok: true }) }, [
          {
            name: 'delete_file',
            description: 'Deletes a file',
            input_schema: { type: 'object', properties: { path: { type: 'string' } } },
          },
        ]),
      },
    });
    const token = await sessionOf(gateway, BROWSER_KEY);
    const frames = await readAllSseFrames(await gateway.chat(token, 'delete b'));
    const runId = frames[0]?.runId;
    const approvals = await jsonOf(await send(gateway, 'GET', `/runs/${runId}/approvals`, token));
    expect(approvals).toMatchObject({
      approvals: [
        {
          tool_call_id: 'toolu_del_2',
          decision: 'timed_out',
          always_allow: false,
          answered_by: { user: null, session_id: null, principal: null },
        },
      ],
    });
  });

  it('deletes a thread for good: its messages, runs and approvals are gone from the store', async () => {
    const { gateway, database } = await startThreadsAgent({ turns: [textTurn('Noted.')] });
    const { token, sessionId } = await gateway.openSession(BROWSER_KEY);
    const owner = ownerOfSession({ apiKeyHash: hashApiKey(BROWSER_KEY), sessionId });
    const frames = await readAllSseFrames(
      await gateway.chat(token, {
        messages: [{ role: 'user', content: 'remember 42' }],
        thread_id: 'thr_gone',
      }),
    );
    const runId = String(frames[0]?.runId);
    // The run's end is written after its stream ended.
    await expect.poll(async () => (await database.loadMessages(owner, 'thr_gone'))?.length).toBe(2);
    const deleted = await send(gateway, 'DELETE', '/threads/thr_gone', token);
    expect(deleted.status).toBe(200);
    expect(await database.loadMessages(owner, 'thr_gone')).toBeUndefined();
    expect(await database.getRun(owner, runId)).toBeUndefined();
    expect(await database.listApprovals(owner, runId)).toBeUndefined();
    expect((await send(gateway, 'GET', '/threads/thr_gone', token)).status).toBe(404);
    expect((await send(gateway, 'DELETE', '/threads/thr_gone', token)).status).toBe(404);
  });

  it('fails closed with 503 store_unavailable when the database fails at chat start', async () => {
    const store = createMemoryThreadStore();
    const down = (): Promise<never> => Promise.reject(new Error('connection refused'));
    const failing: ThreadStore = { ...store, recordRunStart: down, loadMessages: down, loadThreadTurn: down };
    const { gateway, upstream } = await startThreadsAgent({
      database: failing,
      turns: [],
      agent: { server: { onError: () => undefined } },
    });
    const token = await sessionOf(gateway, BROWSER_KEY);
    for (const body of [
      { messages: [{ role: 'user', content: 'hi' }] },
      { messages: [{ role: 'user', content: 'hi' }], thread_id: 'thr_down' },
    ]) {
      const response = await gateway.chat(token, body);
      expect(response.status).toBe(503);
      expect(response.headers.get('retry-after')).toBe('1');
      expect(await jsonOf(response)).toMatchObject({ code: 'store_unavailable' });
    }
    expect(upstream.requests).toHaveLength(0);
  });
});

describe('a run start recorded alongside the run', () => {
  it('writes a thread-less run’s start off the way to the first token when its database (only this process’s) answered a moment ago', async () => {
    const store = createMemoryThreadStore();
    let openGate = (): void => undefined;
    const gate = new Promise<void>((resolve) => {
      openGate = resolve;
    });
    const answering: ThreadStore = {
      ...store,
      answeredRecently: () => true,
      // The start write is held until the chat has streamed: awaited first, the chat would wait.
      recordRunStart: async (run) => {
        await gate;
        await store.recordRunStart(run);
      },
    };
    const { gateway } = await startThreadsAgent({ database: answering, turns: [textTurn('quick')] });
    const { token, sessionId } = await gateway.openSession(BROWSER_KEY);
    const frames = await readAllSseFrames(
      await gateway.chat(token, { messages: [{ role: 'user', content: 'hi' }] }),
    );
    expect(eventsOfType(frames, 'stream_complete')).toHaveLength(1);
    const runId = String(frames[0]?.runId);
    const owner = ownerOfSession({ apiKeyHash: hashApiKey(BROWSER_KEY), sessionId });
    openGate();
    await expect.poll(async () => (await store.getRun(owner, runId))?.status).toBe('completed');
    expect(await store.getRun(owner, runId)).toMatchObject({ threadId: null, turns: 1 });
  });
  it('records the whole run at its end when the start write of a thread-continued chat failed', async () => {
    const store = createMemoryThreadStore();
    const flaky: ThreadStore = {
      ...store,
      // The thread's read reaches the database; the start write, made alongside the run, does not.
      recordRunStart: () => Promise.reject(new Error('connection reset')),
      // The end, written whole as the SQL stores write it.
      finishRun: (run, append) => finishRunOf(store, run, append),
    };
    const { gateway } = await startThreadsAgent({
      database: flaky,
      turns: [textTurn('noted')],
      agent: { server: { onError: () => undefined } },
    });
    const { token, sessionId } = await gateway.openSession(BROWSER_KEY);
    const frames = await readAllSseFrames(
      await gateway.chat(token, {
        messages: [{ role: 'user', content: 'remember 7' }],
        thread_id: 'thr_flaky',
      }),
    );
    expect(eventsOfType(frames, 'stream_complete')).toHaveLength(1);
    const runId = String(frames[0]?.runId);
    const owner = ownerOfSession({ apiKeyHash: hashApiKey(BROWSER_KEY), sessionId });
    await expect.poll(async () => (await store.getRun(owner, runId))?.status).toBe('completed');
    expect(await store.getRun(owner, runId)).toMatchObject({ threadId: 'thr_flaky', turns: 1 });
    expect(await store.loadMessages(owner, 'thr_flaky')).toHaveLength(2);
  });
  it('records a run whose runner could not be built as failed, with or without a thread', async () => {
    const store = createMemoryThreadStore();
    const started = new Set<string>();
    const watched: ThreadStore = {
      ...store,
      recordRunStart: (run) => {
        started.add(run.id);
        return store.recordRunStart(run);
      },
      // A run whose start was not written yet is recorded whole by its end.
      finishRun: (run, append) => {
        started.add(run.id);
        return finishRunOf(store, run, append);
      },
    };
    const app = createGatewayApp({
      buildChatRuntime: () => ({
        systemPrompt: 's',
        // As when a code-execution sandbox cannot be opened for the session.
        createRunner: () => Promise.reject(new Error('sandbox unavailable')),
      }),
      server: { allowedModels: [], database: watched, onError: () => undefined },
    });
    const gateway = cleanup.add(await startGatewayClient(app), (client) => client.close());
    const { token, sessionId } = await gateway.openSession();
    const owner = ownerOfSession({ apiKeyHash: hashApiKey('test-client-key'), sessionId });

    for (const body of [
      { messages: [{ role: 'user', content: 'hi' }], thread_id: 'thr_no_runner' },
      { messages: [{ role: 'user', content: 'hi' }] },
    ]) {
      const response = await gateway.chat(token, body);
      expect(response.status).toBe(500);
      await response.body?.cancel();
    }
    expect(started.size).toBe(2);
    for (const runId of started) {
      await expect.poll(async () => (await store.getRun(owner, runId))?.status).toBe('failed');
      expect((await store.getRun(owner, runId))?.endedAt).toEqual(expect.any(Number));
    }
    expect((await store.listRuns(owner, 'thr_no_runner', { limit: 10 }))?.items).toHaveLength(1);
  });
});

describe('threads on the embedded database', () => {
  it('continue a thread across a restart of the gateway from its data folder', async () => {
    const dir = cleanup.add(await mkdtemp(join(tmpdir(), 'agent-gateway-threads-')), (folder) =>
      rm(folder, { recursive: true, force: true }),
    );
    const server = {
      validApiKeys: [BROWSER_KEY, BACKEND_KEY],
      serverSideApiKeys: [BACKEND_KEY],
      database: { embedded: { dir } },
    };
    const first = await startMockAgent(cleanup, {
      turns: [textTurn('Paris is the capital.')],
      agent: { server },
    });
    const before = await sessionOf(first.gateway, BACKEND_KEY, 'alice');
    const opened = await readAllSseFrames(
      await first.gateway.chat(before, {
        messages: [{ role: 'user', content: 'What is the capital of France?' }],
        thread_id: 'thr_kept',
      }),
    );
    expect(eventsOfType(opened, 'stream_complete')).toHaveLength(1);
    await first.gateway.close();

    const second = await startMockAgent(cleanup, {
      turns: [textTurn('About 2.1 million people.')],
      agent: { server },
    });
    const after = await sessionOf(second.gateway, BACKEND_KEY, 'alice');
    const continued = await readAllSseFrames(
      await second.gateway.chat(after, {
        messages: [{ role: 'user', content: 'How many live there?' }],
        thread_id: 'thr_kept',
      }),
    );
    expect(eventsOfType(continued, 'stream_complete')).toHaveLength(1);
    expect(conversationOf(second.upstream.requests[0]?.body)).toEqual([
      { role: 'user', text: 'What is the capital of France?' },
      { role: 'assistant', text: 'Paris is the capital.' },
      { role: 'user', text: 'How many live there?' },
    ]);
    const thread = await jsonOf(await send(second.gateway, 'GET', '/threads/thr_kept', after));
    expect((thread['messages'] as unknown[]).length).toBe(4);
    const runs = await jsonOf(await send(second.gateway, 'GET', '/threads/thr_kept/runs', after));
    expect((runs['runs'] as Array<{ run_id: string }>).map((run) => run.run_id)).toEqual([
      continued[0]?.runId,
      opened[0]?.runId,
    ]);
    // Another user of the same key sees none of it.
    const bob = await sessionOf(second.gateway, BACKEND_KEY, 'bob');
    expect((await send(second.gateway, 'GET', '/threads/thr_kept', bob)).status).toBe(404);
  });
});
