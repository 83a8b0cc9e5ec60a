import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { silentLogger, type Logger } from '../src/core/logger.js';
import type { CarryingThreadStore as ThreadStore } from '../src/database/carried-stores.js';
import { createAgent } from '../src/server/assembly/create-agent.js';
import type { CreateAgentOptions } from '../src/server/contracts/create-agent-options.js';
import { createMemoryThreadStore } from '../src/database/memory/memory-thread-store.js';
import { createMockUpstream, type MockUpstream } from '../src/testing/mock-upstream/mock-upstream.js';
import { textTurn, toolCallTurn, type ScriptedTurn } from '../src/testing/scripted-turn.js';
import { createCleanupStack } from './helpers/cleanup-stack.js';
import { jsonOf, startGatewayClient, type GatewayClient } from './helpers/gateway-client.js';
import { createSseReader, eventsOf } from './helpers/sse-reader.js';
import { deleteFileAgent } from './helpers/delete-file-agent.js';
import { waitFor } from './helpers/wait-for.js';

const cleanup = createCleanupStack();
afterEach(() => cleanup.run());
const folders: string[] = [];
afterAll(async () => {
  await Promise.all(folders.map((dir) => rm(dir, { recursive: true, force: true })));
});

/** One model server for every gateway of a test: a restarted gateway talks to the same one. */
async function upstreamOf(turns: ScriptedTurn[]): Promise<MockUpstream> {
  return cleanup.add(await createMockUpstream({ anthropic: turns }), (server) => server.close());
}

/** A gateway whose `delete_file` needs approval; `deleted` collects the paths it deleted. */
async function startGateway(
  upstream: MockUpstream,
  database: NonNullable<CreateAgentOptions['server']>['database'],
  deleted: string[],
  server: NonNullable<CreateAgentOptions['server']> = {},
  logger?: Logger,
): Promise<GatewayClient> {
  const app = createAgent({
    ...deleteFileAgent(upstream.url, database, deleted, server),
    ...(logger === undefined ? {} : { logger }),
  });
  return cleanup.add(await startGatewayClient(app), (client) => client.close());
}

/** Starts a chat on `threadId`, reads it to its approval request and its suspension. */
async function chatUntilSuspended(gateway: GatewayClient, token: string, threadId: string) {
  const response = await gateway.chat(token, {
    messages: [{ role: 'user', content: 'delete /tmp/a' }],
    thread_id: threadId,
  });
  expect(response.status).toBe(200);
  const reader = createSseReader(response);
  const request = await reader.nextOfType('tool_approval_request');
  const end = await reader.nextOfType('error');
  const frames = reader.frames;
  const runId = String(frames.at(-1)?.runId);
  return { request, end, runId, lastSeq: frames.at(-1)?.id ?? 0, rest: await reader.rest() };
}

/** The key of a backend: it may assert the end user a session acts for. */
const BACKEND_KEY = 'backend-key';

/** A session of `BACKEND_KEY` acting for `user`: every such session shares the user's runs. */
async function sessionForUser(gateway: GatewayClient, user: string): Promise<{ token: string }> {
  const response = await gateway.post('/chat/init', { api_key: BACKEND_KEY, user });
  const body = await jsonOf(response);
  expect(response.status, JSON.stringify(body)).toBe(200);
  return { token: String(body['session_token']) };
}

const approve = (gateway: GatewayClient, token: string, request: { tool_call_id: string; nonce: string }) =>
  gateway.post('/chat/tool-approval', { ...request, approved: true }, { token });

const runStatus = async (gateway: GatewayClient, token: string, runId: string): Promise<unknown> =>
  (await jsonOf(await gateway.get(`/runs/${runId}`, { token })))['status'];

describe('runs suspended while they wait for an answer', () => {
  it('suspends a run past suspendAfterMs: its stream ends with run_suspended and it holds no run slot', async () => {
    const upstream = await upstreamOf([
      toolCallTurn('delete_file', { path: '/tmp/a' }, { id: 'toolu_1' }),
      textTurn('Another chat.'),
    ]);
    const gateway = await startGateway(upstream, createMemoryThreadStore(), [], { maxRunsPerApiKey: 1 });
    const session = await gateway.openSession();
    const suspended = await chatUntilSuspended(gateway, session.token, 'thr_one');
    expect(suspended.end).toMatchObject({ type: 'error', code: 'run_suspended' });
    expect(suspended.end.error).toContain('toolu_1');
    expect(suspended.rest).toEqual([]);
    expect(await runStatus(gateway, session.token, suspended.runId)).toBe('suspended');
    // One run per key: a waiting run in memory would refuse this one with 429.
    const other = await gateway.openSession();
    const second = await gateway.chat(other.token, 'hello');
    expect(second.status).toBe(200);
    expect(eventsOf(await createSseReader(second).rest()).at(-1)).toMatchObject({ type: 'stream_complete' });
  });

  it('cancels a suspended run with POST /runs/:id/cancel: its record ends cancelled and a later answer is refused', async () => {
    const upstream = await upstreamOf([toolCallTurn('delete_file', { path: '/tmp/a' }, { id: 'toolu_c' })]);
    const deleted: string[] = [];
    const gateway = await startGateway(upstream, createMemoryThreadStore(), deleted);
    const session = await gateway.openSession();
    const suspended = await chatUntilSuspended(gateway, session.token, 'thr_cancel');
    expect(await runStatus(gateway, session.token, suspended.runId)).toBe('suspended');
    const stranger = await gateway.openSession();
    expect(
      (await gateway.post(`/runs/${suspended.runId}/cancel`, {}, { token: stranger.token })).status,
    ).toBe(404);

    const cancelled = await gateway.post(`/runs/${suspended.runId}/cancel`, {}, { token: session.token });
    expect(cancelled.status).toBe(200);
    expect(await jsonOf(cancelled)).toEqual({ run_id: suspended.runId, status: 'cancelled' });
    expect(await runStatus(gateway, session.token, suspended.runId)).toBe('cancelled');
    const again = await gateway.post(`/runs/${suspended.runId}/cancel`, {}, { token: session.token });
    expect(again.status).toBe(409);
    const request = suspended.request as unknown as { tool_call_id: string; nonce: string };
    expect((await approve(gateway, session.token, request)).status).toBe(404);
    expect(deleted).toEqual([]);
  });

  it('stores a suspended run once, without the history its thread holds, and resumes it whole', async () => {
    const upstream = await upstreamOf([
      textTurn('EARLIER-ANSWER-7731'),
      toolCallTurn('delete_file', { path: '/tmp/a' }, { id: 'toolu_1' }),
      textTurn('Deleted /tmp/a.'),
    ]);
    const memory = createMemoryThreadStore();
    const snapshots: string[] = [];
    const suspendedRuns = memory.suspendedRuns;
    const watched: ThreadStore = {
      ...memory,
      ...(suspendedRuns === undefined
        ? {}
        : {
            suspendedRuns: {
              ...suspendedRuns,
              suspend: (run, limits, hold) => {
                snapshots.push(JSON.stringify(run));
                return suspendedRuns.suspend(run, limits, hold);
              },
            },
          }),
    };
    const gateway = await startGateway(upstream, watched, []);
    const session = await gateway.openSession();
    const earlier = await gateway.chat(session.token, {
      messages: [{ role: 'user', content: 'EARLIER-QUESTION-5512' }],
      thread_id: 'thr_once',
    });
    expect(eventsOf(await createSseReader(earlier).rest()).at(-1)).toMatchObject({ type: 'stream_complete' });
    const suspended = await chatUntilSuspended(gateway, session.token, 'thr_once');
    expect(suspended.end).toMatchObject({ code: 'run_suspended' });

    const [stored] = snapshots;
    const count = (text: string): number => (stored ?? '').split(text).length - 1;
    expect(count('EARLIER-QUESTION-5512')).toBe(0);
    expect(count('EARLIER-ANSWER-7731')).toBe(0);
    expect(count('delete /tmp/a')).toBe(1);

    expect((await approve(gateway, session.token, suspended.request)).status).toBe(200);
    await waitFor(async () =>
      (await runStatus(gateway, session.token, suspended.runId)) === 'completed' ? true : undefined,
    );
    // The resumed run read the whole conversation, the thread's history included.
    const resumedRequest = JSON.stringify(upstream.requests.at(-1)?.body);
    expect(resumedRequest).toContain('EARLIER-QUESTION-5512');
    expect(resumedRequest).toContain('EARLIER-ANSWER-7731');
    const thread = await jsonOf(await gateway.get('/threads/thr_once', { token: session.token }));
    const texts = JSON.stringify(thread['messages']);
    for (const text of ['EARLIER-QUESTION-5512', 'EARLIER-ANSWER-7731', 'delete /tmp/a', 'Deleted /tmp/a.']) {
      expect(texts.split(text).length - 1).toBe(1);
    }
  });

  it('logs a suspended run as "run suspended", not as finished', async () => {
    const upstream = await upstreamOf([toolCallTurn('delete_file', { path: '/tmp/a' }, { id: 'toolu_1' })]);
    const lines: Array<[string, Record<string, unknown> | undefined]> = [];
    const logger: Logger = {
      ...silentLogger,
      info: (message, details) => void lines.push([message, details]),
      error: (message, details) => void lines.push([message, details]),
    };
    const gateway = await startGateway(upstream, createMemoryThreadStore(), [], {}, logger);
    const session = await gateway.openSession();
    const suspended = await chatUntilSuspended(gateway, session.token, 'thr_logged');
    await waitFor(() => (lines.some(([message]) => message.startsWith('run ')) ? true : undefined));
    const runLines = lines.filter(([message]) => /^run (finished|failed|suspended)$/.test(message));
    expect(runLines).toEqual([
      ['run suspended', expect.objectContaining({ runId: suspended.runId, sessionId: session.sessionId })],
    ]);
  });

  it('logs a suspension as "run suspended" with what it waits for, and no line at warn or error or as a failed tool call', async () => {
    const upstream = await upstreamOf([toolCallTurn('delete_file', { path: '/tmp/a' }, { id: 'toolu_1' })]);
    const lines: Array<{ level: string; message: string; details: Record<string, unknown> | undefined }> = [];
    const recordAt =
      (level: string) =>
      (message: string, details?: Record<string, unknown>): void =>
        void lines.push({ level, message, details });
    const logger: Logger = {
      debug: recordAt('debug'),
      info: recordAt('info'),
      warn: recordAt('warn'),
      error: recordAt('error'),
    };
    const gateway = await startGateway(upstream, createMemoryThreadStore(), [], {}, logger);
    const session = await gateway.openSession();
    const suspended = await chatUntilSuspended(gateway, session.token, 'thr_quiet');
    await waitFor(() => lines.find((line) => line.message === 'run suspended'));
    const suspendedLine = lines.find((line) => line.message === 'run suspended');
    expect(suspendedLine?.level).toBe('info');
    expect(suspendedLine?.details?.['runId']).toBe(suspended.runId);
    expect(suspendedLine?.details?.['waitsFor']).toEqual([
      { toolCallId: 'toolu_1', toolName: 'delete_file', kind: 'approval' },
    ]);
    expect(lines.filter((line) => line.level === 'warn' || line.level === 'error')).toEqual([]);
    expect(lines.filter((line) => line.message === 'tool call failed')).toEqual([]);
  });

  it('resumes from the database when answered after a restart, from a new session of the same owner', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'agent-gateway-suspend-'));
    folders.push(dir);
    const upstream = await upstreamOf([
      toolCallTurn('delete_file', { path: '/tmp/a' }, { id: 'toolu_1' }),
      textTurn('Deleted /tmp/a.'),
    ]);
    const deleted: string[] = [];
    const keys = { validApiKeys: [BACKEND_KEY], serverSideApiKeys: [BACKEND_KEY] };
    const first = await startGateway(upstream, { embedded: { dir } }, deleted, keys);
    const before = await sessionForUser(first, 'ada');
    const suspended = await chatUntilSuspended(first, before.token, 'thr_restart');
    await first.close();

    const second = await startGateway(upstream, { embedded: { dir } }, deleted, keys);
    const session = await sessionForUser(second, 'ada');
    const answered = await approve(second, session.token, suspended.request);
    expect(answered.status).toBe(200);
    expect(await jsonOf(answered)).toEqual({ status: 'ok', run_id: suspended.runId, resumed: true });
    // The answering session follows the resumed run, after the suspension notice.
    const follow = await second.get(`/chat/stream?after=${suspended.runId}:${suspended.lastSeq}`, {
      token: session.token,
    });
    expect(follow.status).toBe(200);
    const continued = eventsOf(await createSseReader(follow).rest());
    expect(continued.at(-1)).toMatchObject({ type: 'stream_complete' });
    expect(continued.filter((event) => event.type === 'text_delta').length).toBeGreaterThan(0);
    expect(deleted).toEqual(['/tmp/a']);

    await waitFor(async () =>
      (await runStatus(second, session.token, suspended.runId)) === 'completed' ? true : undefined,
    );
    const thread = await jsonOf(await second.get('/threads/thr_restart', { token: session.token }));
    expect(JSON.stringify(thread['messages'])).toContain('Deleted /tmp/a.');
    expect(JSON.stringify(thread['messages'])).toContain('delete /tmp/a');
    const approvals = await jsonOf(
      await second.get(`/runs/${suspended.runId}/approvals`, { token: session.token }),
    );
    expect(approvals['approvals']).toEqual([
      expect.objectContaining({ tool_call_id: 'toolu_1', decision: 'approved' }),
    ]);
  });

  it('saves an "always allow" answered to a suspended run on the answering session, as a live answer is', async () => {
    const upstream = await upstreamOf([
      toolCallTurn('delete_file', { path: '/tmp/a' }, { id: 'toolu_1' }),
      textTurn('Deleted /tmp/a.'),
      toolCallTurn('delete_file', { path: '/tmp/b' }, { id: 'toolu_2' }),
      textTurn('Deleted /tmp/b.'),
    ]);
    const deleted: string[] = [];
    const gateway = await startGateway(upstream, createMemoryThreadStore(), deleted);
    const session = await gateway.openSession();
    const suspended = await chatUntilSuspended(gateway, session.token, 'thr_always');
    const answered = await gateway.post(
      '/chat/tool-approval',
      { ...suspended.request, approved: true, allow_tool_type: true },
      { token: session.token },
    );
    expect(answered.status).toBe(200);
    await waitFor(async () =>
      (await runStatus(gateway, session.token, suspended.runId)) === 'completed' ? true : undefined,
    );
    expect(deleted).toEqual(['/tmp/a']);

    // The session's next chat deletes without asking.
    const next = createSseReader(await gateway.chat(session.token, 'delete /tmp/b too'));
    const settled = await next.until((frame) =>
      ['tool_approval_request', 'stream_complete'].includes(frame.event.type),
    );
    await next.cancel();
    expect(eventsOf(settled).at(-1)?.type).toBe('stream_complete');
    expect(deleted).toEqual(['/tmp/a', '/tmp/b']);
  });

  it('refuses a wrong nonce and another owner with 404, a second answer with 409, and a new message on the thread with 409', async () => {
    const upstream = await upstreamOf([
      toolCallTurn('delete_file', { path: '/tmp/a' }, { id: 'toolu_1' }),
      textTurn('Deleted.'),
    ]);
    const store = createMemoryThreadStore();
    const deleted: string[] = [];
    const gateway = await startGateway(upstream, store, deleted, {
      validApiKeys: ['owner-key', 'other-key'],
    });
    const owner = await gateway.openSession('owner-key');
    const suspended = await chatUntilSuspended(gateway, owner.token, 'thr_busy');

    const busy = await gateway.chat(owner.token, {
      messages: [{ role: 'user', content: 'and now?' }],
      thread_id: 'thr_busy',
    });
    expect(busy.status).toBe(409);
    expect(await jsonOf(busy)).toMatchObject({ code: 'run_suspended', run_id: suspended.runId });

    const wrongNonce = await approve(gateway, owner.token, { ...suspended.request, nonce: '0'.repeat(16) });
    expect(wrongNonce.status).toBe(404);
    const stranger = await gateway.openSession('other-key');
    expect((await approve(gateway, stranger.token, suspended.request)).status).toBe(404);
    expect(deleted).toEqual([]);

    expect((await approve(gateway, owner.token, suspended.request)).status).toBe(200);
    expect((await approve(gateway, owner.token, suspended.request)).status).toBe(409);
    await waitFor(() => (deleted.length > 0 ? true : undefined));
    expect(deleted).toEqual(['/tmp/a']);
  });

  it('resumes, from the scan of any instance, a run whose answer was stored while no instance resumed it', async () => {
    const upstream = await upstreamOf([
      toolCallTurn('delete_file', { path: '/tmp/b' }, { id: 'toolu_2' }),
      textTurn('Deleted /tmp/b.'),
    ]);
    const store: ThreadStore = createMemoryThreadStore();
    const deleted: string[] = [];
    // The session outlives the instance: its token is restored by the next one.
    const keptSessions = {
      jwtSecret: 'a-secret-every-instance-shares-0123456789',
      restoreSessionsFromTokens: true,
    };
    const first = await startGateway(upstream, store, deleted, keptSessions);
    const session = await first.openSession();
    const suspended = await chatUntilSuspended(first, session.token, 'thr_scan');
    await first.close();
    // The instance that acknowledged the answer died before resuming the run.
    expect(
      await store.suspendedRuns?.answer(
        suspended.runId,
        'toolu_2',
        { approved: true, allowToolType: false },
        'gone',
      ),
    ).toBe('answered');

    const second = await startGateway(upstream, store, deleted, keptSessions);
    await waitFor(async () =>
      (await runStatus(second, session.token, suspended.runId)) === 'completed' ? true : undefined,
    );
    expect(deleted).toEqual(['/tmp/b']);
  });

  it('keeps an acknowledged answer that never reached its run: the run is suspended with it and resumes', async () => {
    const upstream = await upstreamOf([
      toolCallTurn('delete_file', { path: '/tmp/d' }, { id: 'toolu_4' }),
      textTurn('Deleted /tmp/d.'),
    ]);
    const store: ThreadStore = createMemoryThreadStore();
    const deleted: string[] = [];
    const gateway = await startGateway(upstream, store, deleted, { suspendAfterMs: 400 });
    const session = await gateway.openSession();
    const response = await gateway.chat(session.token, {
      messages: [{ role: 'user', content: 'delete /tmp/d' }],
      thread_id: 'thr_kept',
    });
    const reader = createSseReader(response);
    await reader.nextOfType('tool_approval_request');
    const runId = String(reader.frames.at(-1)?.runId);
    // What the instance that acknowledged the answer wrote before it died, delivering nothing.
    await store.suspendedRuns?.keepAnswer(runId, 'toolu_4', { approved: true, allowToolType: false }, 'gone');
    expect(await reader.nextOfType('error')).toMatchObject({ code: 'run_suspended' });
    await waitFor(async () =>
      (await runStatus(gateway, session.token, runId)) === 'completed' ? true : undefined,
    );
    expect(deleted).toEqual(['/tmp/d']);
  });

  it('keeps a live answer in the database before acknowledging it, and the run reads it at once', async () => {
    const upstream = await upstreamOf([
      toolCallTurn('delete_file', { path: '/tmp/e' }, { id: 'toolu_5' }),
      textTurn('Deleted /tmp/e.'),
    ]);
    const store: ThreadStore = createMemoryThreadStore();
    const deleted: string[] = [];
    const gateway = await startGateway(upstream, store, deleted, { suspendAfterMs: 60_000 });
    const session = await gateway.openSession();
    const reader = createSseReader(
      await gateway.chat(session.token, {
        messages: [{ role: 'user', content: 'delete /tmp/e' }],
        thread_id: 'thr_live',
      }),
    );
    const request = await reader.nextOfType('tool_approval_request');
    const runId = String(reader.frames.at(-1)?.runId);
    expect((await approve(gateway, session.token, request)).status).toBe(200);
    expect(await store.suspendedRuns?.keptAnswers(runId)).toEqual(
      new Map([['toolu_5', { approved: true, allowToolType: false }]]),
    );
    expect(eventsOf(await reader.rest()).at(-1)).toMatchObject({ type: 'stream_complete' });
    expect(deleted).toEqual(['/tmp/e']);
  });

  it('resumes a run whose wait expired with the call timed out: the tool does not run and the decision is audited', async () => {
    const upstream = await upstreamOf([
      toolCallTurn('delete_file', { path: '/tmp/c' }, { id: 'toolu_3' }),
      textTurn('Nobody answered, so nothing was deleted.'),
    ]);
    const deleted: string[] = [];
    const gateway = await startGateway(upstream, createMemoryThreadStore(), deleted, {
      approvalTimeoutMs: 600,
    });
    const session = await gateway.openSession();
    const suspended = await chatUntilSuspended(gateway, session.token, 'thr_expiry');
    await waitFor(
      async () =>
        (await runStatus(gateway, session.token, suspended.runId)) === 'completed' ? true : undefined,
      {
        timeoutMs: 10_000,
      },
    );
    expect(deleted).toEqual([]);
    const approvals = await jsonOf(
      await gateway.get(`/runs/${suspended.runId}/approvals`, { token: session.token }),
    );
    expect(approvals['approvals']).toEqual([expect.objectContaining({ decision: 'timed_out' })]);
    const thread = await jsonOf(await gateway.get('/threads/thr_expiry', { token: session.token }));
    expect(JSON.stringify(thread['messages'])).toContain('nothing was deleted');
  });
});
