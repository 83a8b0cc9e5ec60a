import { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { isTerminalEvent, type GatewayEvent } from '../../src/core/events.js';
import { textTurn, toolCallTurn } from '../../src/testing/scripted-turn.js';
import { createCleanupStack } from '../helpers/cleanup-stack.js';
import { jsonOf } from '../helpers/gateway-client.js';
import { eventsOf, eventsOfType, textOf, numbered, sseOf } from '../helpers/sse-reader.js';
import { latestToolResultOf } from '../helpers/upstream-tool-results.js';
import { waitFor } from '../helpers/wait-for.js';
import {
  spawnGatewayProcesses,
  type GatewayDeployment,
  type GatewayProcess,
} from './helpers/spawn-gateway-process.js';
import {
  redisUnavailableReason,
  startRedisServer,
  type RedisServerProcess,
} from './helpers/start-redis-server.js';
import { startSharedUpstream, type SharedUpstream } from './helpers/start-shared-upstream.js';

const skipReason = redisUnavailableReason();
if (skipReason !== undefined) console.warn(skipReason);

/** Closes what one test opened. */
const cleanup = createCleanupStack();
/** Closes what the whole file shares: Redis, the upstream and the gateway processes. */
const suite = createCleanupStack();
afterEach(() => cleanup.run());
afterAll(() => suite.run());

/** The sequence numbers `from, from + 1, …` that `count` gap-free, duplicate-free frames carry. */
const consecutiveFrom = (from: number, count: number): number[] =>
  Array.from({ length: count }, (_unused, index) => from + index);

describe.skipIf(skipReason !== undefined)('three gateway processes sharing one Redis', () => {
  let redis: RedisServerProcess;
  let upstream: SharedUpstream;
  let deployment: GatewayDeployment;
  let a: GatewayProcess;
  let b: GatewayProcess;
  let c: GatewayProcess;

  beforeAll(async () => {
    redis = suite.add(await startRedisServer({ persistent: true }), (server) => server.stop());
    upstream = await startSharedUpstream(suite);
    deployment = await spawnGatewayProcesses(suite, {
      redisUrl: redis.url,
      upstreamUrl: upstream.url,
      count: 3,
      // A client that leaves one instance re-attaches through another: no disconnect cancel.
      agentOptions: { server: { heartbeatIntervalMs: 60_000, disconnectGraceMs: 60_000 } },
    });
    const [first, second, third] = deployment.processes;
    if (first === undefined || second === undefined || third === undefined) {
      throw new Error('three gateway processes expected');
    }
    [a, b, c] = [first, second, third];
  }, 60_000);

  beforeEach(() => upstream.reset());

  afterEach(() => {
    // A gateway that died during a test would fail every later test for an unrelated reason.
    for (const gateway of [a, b, c]) {
      expect(gateway.isRunning(), `gateway ${gateway.instanceId}: ${gateway.stderr()}`).toBe(true);
    }
  });

  /** Every event the run's owner emitted for the session, once its terminal event is written. */
  const groundTruth = (owner: GatewayProcess, sessionId: string): Promise<GatewayEvent[]> =>
    waitFor(
      () => {
        const events = owner.events(sessionId);
        const last = events.at(-1);
        return last !== undefined && isTerminalEvent(last) ? events : undefined;
      },
      { description: `the terminal event of ${sessionId} on ${owner.instanceId}` },
    );

  const sideEffectsOfTest = (marker: string) =>
    deployment.sideEffects().filter((record) => JSON.stringify(record).includes(marker));

  it('init and stream on A, approve on B exactly once, re-attach on C, cancel via B: one gap-free sequence', async () => {
    upstream.script(
      toolCallTurn('delete_file', { path: '/tmp/first-test' }, { id: 'toolu_delete' }),
      toolCallTurn(
        'wait_a_bit',
        { ms: 60_000, marker: 'first-test' },
        { id: 'toolu_wait', text: 'Deleted it. Now I wait a while before going on.', eventDelayMs: 10 },
      ),
    );
    const session = await a.client.openSession();
    const onA = await sseOf(await a.client.chat(session.token, 'delete it, then wait'));
    const request = await onA.nextOfType('tool_approval_request');
    expect(request).toMatchObject({ tool_call_id: 'toolu_delete', tool_name: 'delete_file' });

    // B answers; the same answer sent again to A and C is refused: 409 (already answered) or,
    // once the run has withdrawn the answered request, 404.
    const answer = { tool_call_id: request.tool_call_id, nonce: request.nonce, approved: true };
    const onB = await b.client.post('/chat/tool-approval', answer, { token: session.token });
    expect(onB.status).toBe(200);
    const duplicates = await Promise.all(
      [a, c].map((gateway) => gateway.client.post('/chat/tool-approval', answer, { token: session.token })),
    );
    for (const duplicate of duplicates) expect([404, 409]).toContain(duplicate.status);

    expect(await onA.nextOfType('tool_call_complete')).toMatchObject({
      tool_call_id: 'toolu_delete',
      result: { deleted: '/tmp/first-test' },
    });
    await onA.nextOfType('text_delta');
    const lastOnA = onA.frames.at(-1);
    await onA.cancel();

    // C does not hold the run: it continues from the shared log after what A delivered.
    const resumed = await c.client.get('/chat/stream', {
      token: session.token,
      headers: { 'last-event-id': `${lastOnA?.runId}:${lastOnA?.id}` },
    });
    expect(resumed.status).toBe(200);
    const onC = await sseOf(resumed);
    const waiting = await onC.nextOfType('tool_call_start');
    expect(waiting).toMatchObject({ tool_call_id: 'toolu_wait', tool_name: 'wait_a_bit' });

    const cancel = await b.client.post('/chat/cancel', {}, { token: session.token });
    expect(cancel.status).toBe(200);
    expect(await jsonOf(cancel)).toEqual({ status: 'cancelled', run_id: lastOnA?.runId });
    await onC.rest();
    expect(onC.frames.at(-1)?.event).toEqual({ type: 'error', error: 'cancelled' });

    const delivered = numbered([...onA.frames, ...onC.frames]);
    expect(delivered.map((frame) => frame.id)).toEqual(consecutiveFrom(1, delivered.length));
    expect(new Set(delivered.map((frame) => frame.runId))).toEqual(new Set([lastOnA?.runId]));
    expect(eventsOf(delivered)).toEqual(await groundTruth(a, session.sessionId));

    // The approved delete ran once, on the instance that holds the run; the cancel reached the
    // running tool there through its AbortSignal.
    const effects = await waitFor(
      () => {
        const records = sideEffectsOfTest('first-test');
        return records.some((record) => record['outcome'] === 'aborted') ? records : undefined;
      },
      { description: 'the aborted wait_a_bit' },
    );
    const waitInput = { ms: 60_000, marker: 'first-test' };
    expect(effects).toEqual([
      { instance: 'A', tool: 'delete_file', input: { path: '/tmp/first-test' }, outcome: 'deleted' },
      { instance: 'A', tool: 'wait_a_bit', input: waitInput, outcome: 'started' },
      { instance: 'A', tool: 'wait_a_bit', input: waitInput, outcome: 'aborted' },
    ]);
    const requests = upstream.requestsOfTest();
    expect(requests).toHaveLength(2);
    expect(latestToolResultOf(requests[1])).toEqual({
      toolCallId: 'toolu_delete',
      isError: false,
      value: { deleted: '/tmp/first-test' },
    });

    // Once it ended, any instance replays the whole run and says 204 when nothing is left.
    const replay = await sseOf(await b.client.get('/chat/stream', { token: session.token }));
    expect(eventsOf(await replay.rest())).toEqual(await groundTruth(a, session.sessionId));
    const nothingLeft = await c.client.get('/chat/stream', {
      token: session.token,
      headers: { 'last-event-id': `${lastOnA?.runId}:${delivered.length}` },
    });
    expect(nothingLeft.status).toBe(204);
    upstream.assertScriptConsumed();
  });

  it('resumes a run on A with a client-side tool result posted to B, exactly once', async () => {
    upstream.script(toolCallTurn('get_location', {}, { id: 'toolu_location' }), textTurn('You are in Lyon.'));
    const session = await b.client.openSession();
    const onA = await sseOf(await a.client.chat(session.token, 'where am I?'));
    const start = await onA.nextOfType('tool_call_start');
    expect(start).toMatchObject({ tool_call_id: 'toolu_location', execution_location: 'client' });

    const result = { tool_call_id: start.tool_call_id, nonce: start.nonce, result: { city: 'Lyon' } };
    const posted = await b.client.post('/chat/tool-result', result, { token: session.token });
    expect(posted.status).toBe(200);
    expect(await jsonOf(posted)).toEqual({ status: 'ok' });
    const again = await c.client.post('/chat/tool-result', result, { token: session.token });
    expect([404, 409]).toContain(again.status);

    const rest = await onA.rest();
    expect(eventsOf(rest).at(-1)?.type).toBe('stream_complete');
    expect(eventsOfType(onA.frames, 'tool_call_complete')).toEqual([
      expect.objectContaining({ tool_call_id: 'toolu_location', result: { city: 'Lyon' }, error: null }),
    ]);
    expect(textOf(onA.frames)).toBe('You are in Lyon.');
    const delivered = numbered(onA.frames);
    expect(delivered.map((frame) => frame.id)).toEqual(consecutiveFrom(1, delivered.length));
    expect(eventsOf(delivered)).toEqual(await groundTruth(a, session.sessionId));
    const requests = upstream.requestsOfTest();
    expect(requests).toHaveLength(2);
    expect(latestToolResultOf(requests[1])).toEqual({
      toolCallId: 'toolu_location',
      isError: false,
      value: { city: 'Lyon' },
    });
    upstream.assertScriptConsumed();
  });

  it('keeps a streaming run whole when Redis restarts with its data: followers reconnect with Last-Event-ID', async () => {
    const words = Array.from({ length: 30 }, (_unused, index) => `word${index}`).join(' ');
    upstream.script(
      toolCallTurn('wait_a_bit', { ms: 500, marker: 'restart-kept' }, { id: 'toolu_pause' }),
      toolCallTurn('delete_file', { path: '/tmp/restart-kept' }, { id: 'toolu_after' }),
      textTurn(`After the restart: ${words}`, { eventDelayMs: 5 }),
      textTurn('A new chat after the restart.'),
    );
    const session = await a.client.openSession();
    const onA = await sseOf(await a.client.chat(session.token, 'pause, delete, talk'));
    await onA.nextOfType('tool_call_start');
    const lastOnA = onA.frames.at(-1);
    const resumeFrom = { 'last-event-id': `${lastOnA?.runId}:${lastOnA?.id}` };
    // A follower on C, attached before the restart, stays attached through it.
    const onC = await sseOf(
      await c.client.get('/chat/stream', { token: session.token, headers: resumeFrom }),
    );
    // The client on A goes away during the outage and comes back through B.
    await onA.cancel();

    const admin = new Redis(redis.url, { lazyConnect: true, maxRetriesPerRequest: null });
    cleanup.add(admin, (client) => client.disconnect());
    // It loses its connection in the restart, on purpose; ioredis reconnects it.
    admin.on('error', () => undefined);
    const channels = async (): Promise<string[]> =>
      ((await admin.pubsub('CHANNELS', `${deployment.keyPrefix}*`)) as string[]).sort();
    const channelsBefore = await channels();
    expect(channelsBefore.length).toBeGreaterThan(0);

    await redis.restart({ keepData: true });

    // Every instance re-subscribed what it listened to (a cancel now would reach the owner).
    await waitFor(
      async () => {
        const now = await channels();
        return channelsBefore.every((channel) => now.includes(channel)) ? now : undefined;
      },
      { description: 'the pub/sub channels to be subscribed again', timeoutMs: 10_000 },
    );
    const resumed = await b.client.get('/chat/stream', { token: session.token, headers: resumeFrom });
    expect(resumed.status).toBe(200);
    const onB = await sseOf(resumed);
    const request = await onB.nextOfType('tool_approval_request');
    const answer = { tool_call_id: request.tool_call_id, nonce: request.nonce, approved: true };
    const approved = await c.client.post('/chat/tool-approval', answer, { token: session.token });
    expect(approved.status).toBe(200);
    await onB.rest();
    await onC.rest();

    const truth = await groundTruth(a, session.sessionId);
    expect(truth.at(-1)?.type).toBe('stream_complete');
    const resumedAt = (lastOnA?.id ?? 0) + 1;
    for (const follower of [onB, onC]) {
      const seen = numbered(follower.frames);
      expect(seen.map((frame) => frame.id)).toEqual(consecutiveFrom(resumedAt, seen.length));
      expect(eventsOf(seen)).toEqual(truth.slice(resumedAt - 1));
    }
    expect(eventsOf(numbered(onA.frames))).toEqual(truth.slice(0, resumedAt - 1));
    const pauseInput = { ms: 500, marker: 'restart-kept' };
    expect(sideEffectsOfTest('restart-kept')).toEqual([
      { instance: 'A', tool: 'wait_a_bit', input: pauseInput, outcome: 'started' },
      { instance: 'A', tool: 'wait_a_bit', input: pauseInput, outcome: 'waited' },
      { instance: 'A', tool: 'delete_file', input: { path: '/tmp/restart-kept' }, outcome: 'deleted' },
    ]);

    // The session survived the restart: it chats again, through another instance.
    const again = await sseOf(await b.client.chat(session.token, 'and now?'));
    expect(textOf(await again.rest())).toBe('A new chat after the restart.');
    upstream.assertScriptConsumed();
  });

  it('recovers when Redis restarts empty: the running run finishes on its instance, new sessions work everywhere', async () => {
    upstream.script(
      toolCallTurn('wait_a_bit', { ms: 500, marker: 'restart-empty' }, { id: 'toolu_pause' }),
      textTurn('Finished despite the outage.'),
      textTurn('A fresh start.'),
    );
    const before = await c.client.openSession();
    const onA = await sseOf(await a.client.chat(before.token, 'pause, then talk'));
    await onA.nextOfType('tool_call_start');

    await redis.restart({ keepData: false });

    // The instance that holds the run keeps streaming it to its own client, whole.
    await onA.rest();
    expect(eventsOf(onA.frames).at(-1), 'the last event on A').toMatchObject({ type: 'stream_complete' });
    expect(textOf(onA.frames)).toBe('Finished despite the outage.');
    const delivered = numbered(onA.frames);
    expect(delivered.map((frame) => frame.id)).toEqual(consecutiveFrom(1, delivered.length));
    expect(eventsOf(delivered)).toEqual(await groundTruth(a, before.sessionId));

    // The session went with the data (documented): 401 everywhere; a new one works on any instance.
    const stale = await b.client.get('/chat/stream', { token: before.token });
    expect(stale.status).toBe(401);
    await stale.body?.cancel();
    const after = await waitFor(
      async () => {
        const response = await c.client.post('/chat/init', { api_key: 'test-client-key' });
        if (response.status === 200) return jsonOf(response);
        await response.body?.cancel();
        return undefined;
      },
      { description: 'a session once Redis is back', timeoutMs: 10_000 },
    );
    const token = String(after['session_token']);
    const afterRun = await sseOf(await b.client.chat(token, 'hello again'));
    expect(textOf(await afterRun.rest())).toBe('A fresh start.');
    const replayOnA = await sseOf(await a.client.get('/chat/stream', { token }));
    expect(eventsOf(await replayOnA.rest())).toEqual(await groundTruth(b, String(after['session_id'])));
    upstream.assertScriptConsumed();
  });

  it('survives an instance killed with SIGKILL: its sessions go on through the others', async () => {
    upstream.script(textTurn('Still here.'));
    const doomed = await deployment.spawn('D');
    const session = await doomed.client.openSession();
    expect(await doomed.kill('SIGKILL')).toEqual({ code: null, signal: 'SIGKILL' });
    expect(doomed.isRunning()).toBe(false);
    await expect(doomed.client.get('/health')).rejects.toThrow();

    const onA = await sseOf(await a.client.chat(session.token, 'are you there?'));
    expect(textOf(await onA.rest())).toBe('Still here.');
    upstream.assertScriptConsumed();
  });
});
