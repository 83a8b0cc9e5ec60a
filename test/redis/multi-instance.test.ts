import { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createGatewayApp } from '../../src/server/create-gateway-app.js';
import { textTurn, toolCallTurn } from '../../src/testing/scripted-turn.js';
import { createCleanupStack } from '../helpers/cleanup-stack.js';
import { jsonOf } from '../helpers/gateway-client.js';
import { createSseReader, eventsOf } from '../helpers/sse-reader.js';
import { waitFor } from '../helpers/wait-for.js';
import { spawnSync } from 'node:child_process';
import { startRedisCluster } from './helpers/start-redis-cluster.js';
import { redisUnavailableReason, startRedisServer } from './helpers/start-redis-server.js';
import { startRedisGateways } from './helpers/start-redis-gateways.js';

const skipReason = redisUnavailableReason();
if (skipReason !== undefined) console.warn(skipReason);
const hasRedisCli = spawnSync('redis-cli', ['--version']).status === 0;
if (!hasRedisCli)
  console.warn('redis-cli is not installed (apt-get install redis-tools); the Cluster variant is skipped');

/** Where the instances keep their state: one server, or a three-master Cluster. */
interface RunningRedis {
  /** The URL the gateways are given (any node of a Cluster). */
  url: string;
  /** Every node's URL. */
  urls: readonly string[];
  stop(): Promise<void>;
  /** Restarts empty (one server only). */
  restart?: () => Promise<void>;
}

const topologies = [
  {
    name: 'one Redis server',
    cluster: false,
    start: async (): Promise<RunningRedis> => {
      const server = await startRedisServer();
      return {
        url: server.url,
        urls: [server.url],
        stop: () => server.stop(),
        restart: () => server.restart(),
      };
    },
  },
  {
    name: 'a three-master Redis Cluster',
    cluster: true,
    start: async (): Promise<RunningRedis> => {
      const cluster = await startRedisCluster();
      return { url: cluster.urls[0] ?? '', urls: cluster.urls, stop: () => cluster.stop() };
    },
  },
];

const cleanup = createCleanupStack();
afterEach(() => cleanup.run());

describe.each(topologies)('several gateway instances sharing $name', (topology) => {
  if (skipReason !== undefined || (topology.cluster && !hasRedisCli)) {
    it.skip('needs redis-server (and redis-cli for a Cluster)', () => undefined);
    return;
  }
  let redis: RunningRedis;
  /** The gateways' store options for this topology. */
  const shared = () => ({ url: redis.url, ...(topology.cluster ? { topology: { cluster: true } } : {}) });
  beforeAll(async () => {
    redis = await topology.start();
  });
  afterAll(async () => {
    await redis.stop();
  });

  it('init and stream on A, approve on B exactly once, re-attach on C, cancel via B: one gap-free sequence', async () => {
    const [a, b, c] = await startRedisGateways(cleanup, {
      ...shared(),
      turns: [
        [
          toolCallTurn('delete_file', { path: '/tmp/a' }, { id: 'toolu_first' }),
          toolCallTurn('delete_file', { path: '/tmp/b' }, { id: 'toolu_second' }),
          textTurn('never reached'),
        ],
        [],
        [],
      ],
    });
    if (a === undefined || b === undefined || c === undefined) throw new Error('three gateways expected');
    const session = await a.client.openSession();
    const onA = createSseReader(await a.client.chat(session.token, 'delete two files'));
    const first = await onA.nextOfType('tool_approval_request');

    // The same answer reaches A and B at once: exactly one of them takes it.
    const body = { tool_call_id: first.tool_call_id, nonce: first.nonce, approved: true };
    const answers = await Promise.all([
      a.client.post('/chat/tool-approval', body, { token: session.token }),
      b.client.post('/chat/tool-approval', body, { token: session.token }),
    ]);
    // The loser sees 409 (already answered) or, once the winner's run has withdrawn the
    // answered request, 404 (unknown id): either way it was not taken twice.
    const [winner, loser] = answers.map((response) => response.status).sort();
    expect(winner).toBe(200);
    expect([404, 409]).toContain(loser);

    const second = await onA.nextOfType('tool_approval_request');
    expect(second.tool_call_id).toBe('toolu_second');
    expect(a.deleted).toEqual(['/tmp/a']);
    const lastOnA = onA.frames.at(-1);
    await onA.cancel();

    // C does not hold the run: it re-attaches from the shared log, after what A delivered.
    const resumed = await c.client.get('/chat/stream', {
      token: session.token,
      headers: { 'last-event-id': `${lastOnA?.runId}:${lastOnA?.id}` },
    });
    expect(resumed.status).toBe(200);
    const onC = createSseReader(resumed);

    const cancel = await b.client.post('/chat/cancel', {}, { token: session.token });
    expect(cancel.status).toBe(200);
    expect(await jsonOf(cancel)).toEqual({ status: 'cancelled', run_id: lastOnA?.runId });
    const rest = await onC.rest();
    expect(rest.at(-1)?.event).toEqual({ type: 'error', error: 'cancelled' });

    const delivered = [...onA.frames, ...rest].filter((frame) => frame.id !== undefined);
    expect(delivered.map((frame) => frame.id)).toEqual(delivered.map((_frame, index) => index + 1));
    expect(eventsOf(delivered)).toEqual(a.events.get(session.sessionId));
    expect(a.deleted).toEqual(['/tmp/a']);

    // After the end, any instance replays the whole run, and says 204 when nothing is left.
    const replay = createSseReader(await b.client.get('/chat/stream', { token: session.token }));
    expect(eventsOf(await replay.rest())).toEqual(a.events.get(session.sessionId));
    const nothingLeft = await c.client.get('/chat/stream', {
      token: session.token,
      headers: { 'last-event-id': `${lastOnA?.runId}:${delivered.length}` },
    });
    expect(nothingLeft.status).toBe(204);
  });

  it('keeps one active run per session across instances', async () => {
    const [a, b] = await startRedisGateways(cleanup, {
      ...shared(),
      turns: [[toolCallTurn('delete_file', { path: '/tmp/x' }, { id: 'toolu_x' })], []],
    });
    if (a === undefined || b === undefined) throw new Error('two gateways expected');
    const session = await b.client.openSession();
    const onA = createSseReader(await a.client.chat(session.token, 'delete'));
    await onA.nextOfType('tool_approval_request');
    const second = await b.client.chat(session.token, 'again');
    expect(second.status).toBe(409);
    await second.body?.cancel();
    const cancel = await b.client.post('/chat/cancel', {}, { token: session.token });
    expect(cancel.status).toBe(200);
    await onA.rest();
  });

  it('loses no event when every Redis connection drops mid-run: a follower on another instance sees it all', async () => {
    const words = Array.from({ length: 60 }, (_unused, index) => `word${index}`).join(' ');
    const [a, c] = await startRedisGateways(cleanup, {
      ...shared(),
      turns: [[{ ...textTurn(words), eventDelayMs: 10 }], []],
    });
    if (a === undefined || c === undefined) throw new Error('two gateways expected');
    const session = await a.client.openSession();
    const onA = createSseReader(await a.client.chat(session.token, 'talk'));
    const firstOnA = await onA.next();
    const onC = createSseReader(
      await c.client.get('/chat/stream', {
        token: session.token,
        headers: { 'last-event-id': `${firstOnA?.runId}:0` },
      }),
    );
    await onC.next();
    let killed = 0;
    for (const url of redis.urls) {
      const killer = new Redis(url);
      cleanup.add(killer, (client) => client.disconnect());
      killed += Number(await killer.client('KILL', 'TYPE', 'normal'));
      await killer.client('KILL', 'TYPE', 'pubsub');
    }
    expect(killed).toBeGreaterThan(0);
    const restOnA = await onA.rest();
    const restOnC = await onC.rest();
    expect(restOnA.at(-1)?.event.type).toBe('stream_complete');
    const seenOnC = onC.frames.filter((frame) => frame.id !== undefined);
    expect(seenOnC.map((frame) => frame.id)).toEqual(seenOnC.map((_frame, index) => index + 1));
    expect(eventsOf(seenOnC)).toEqual(a.events.get(session.sessionId));
    expect(restOnC.length).toBeGreaterThan(0);
  });

  it.skipIf(topology.cluster)(
    'recovers after Redis restarts: new sessions and runs work across instances again',
    async () => {
      const [a, b] = await startRedisGateways(cleanup, {
        ...shared(),
        turns: [[textTurn('Before the outage.')], [textTurn('After the outage.')]],
      });
      if (a === undefined || b === undefined) throw new Error('two gateways expected');
      const before = await a.client.openSession();
      const beforeRun = createSseReader(await a.client.chat(before.token, 'hi'));
      expect(eventsOf(await beforeRun.rest()).at(-1)?.type).toBe('stream_complete');

      await redis.restart?.();

      // Redis came back empty (no persistence): old sessions are gone, new ones work everywhere.
      const after = await waitFor(
        async () => {
          const response = await b.client.post('/chat/init', { api_key: 'test-client-key' });
          return response.status === 200 ? jsonOf(response) : undefined;
        },
        { description: 'a session once Redis is back' },
      );
      const token = String(after['session_token']);
      const afterRun = createSseReader(await b.client.chat(token, 'hi again'));
      expect(eventsOf(await afterRun.rest()).at(-1)?.type).toBe('stream_complete');
      const replayOnA = createSseReader(await a.client.get('/chat/stream', { token }));
      expect(eventsOf(await replayOnA.rest())).toEqual(b.events.get(String(after['session_id'])));
    },
  );

  it.skipIf(topology.cluster)(
    'fails start() within its timeout, naming the URL without its password, when Redis is unreachable',
    async () => {
      const app = createGatewayApp({
        buildChatRuntime: () => {
          throw new Error('unused');
        },
        server: {
          store: { redis: 'redis://:s3cret@127.0.0.1:1', connectTimeoutMs: 300 },
          onError: () => undefined,
        },
      });
      cleanup.add(app, (started) => started.close());
      const failure = await app.start().then(
        () => undefined,
        (error: unknown) => error,
      );
      expect(failure).toMatchObject({ code: 'store_unavailable' });
      expect((failure as Error).message).toContain('redis://127.0.0.1:1');
      expect((failure as Error).message).not.toContain('s3cret');
      const response = await app.fetch(new Request('http://gateway/api/health'));
      expect(response.status).toBe(503);
      // Liveness fails too: a process whose start failed serves nothing until it is restarted.
      const live = await app.fetch(new Request('http://gateway/api/health/live'));
      expect(live.status).toBe(503);
      expect(await live.json()).toEqual({ status: 'unavailable', component: 'startup' });
    },
  );

  it('answers 429 with retry-after once an API key exceeds its request limit, on any instance', async () => {
    const [a, b] = await startRedisGateways(cleanup, {
      ...shared(),
      turns: [[], []],
      server: { rateLimit: { requests: 3, windowMs: 3_600_000 } },
    });
    if (a === undefined || b === undefined) throw new Error('two gateways expected');
    const statuses: number[] = [];
    let limited: Response | undefined;
    for (const gateway of [a, b, a, b]) {
      const response = await gateway.client.post('/chat/init', { api_key: 'limited-key' });
      statuses.push(response.status);
      if (response.status === 429) limited = response;
      else await response.body?.cancel();
    }
    expect(statuses).toEqual([200, 200, 200, 429]);
    expect(Number(limited?.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(await limited?.json()).toEqual({ detail: 'Rate limit exceeded' });
    const otherKey = await b.client.post('/chat/init', { api_key: 'another-key' });
    expect(otherKey.status).toBe(200);
  });
});
