/**
 * The multi-instance scenarios on a real Redis Cluster (issue 21): three masters on loopback,
 * so a session's keys, a run's keys and the run lease index land on different nodes, and every
 * Lua script must keep to one hash slot (Redis refuses a script whose keys span slots).
 */
import { randomBytes } from 'node:crypto';
import { spawnSync } from 'node:child_process';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { RunRecord } from '../../src/core/run-takeover.js';
import { createGatewayApp } from '../../src/server/create-gateway-app.js';
import { createRedisStores } from '../../src/stores/redis/create-redis-stores.js';
import { textTurn, toolCallTurn } from '../../src/testing/scripted-turn.js';
import { createCleanupStack } from '../helpers/cleanup-stack.js';
import { startGatewayClient } from '../helpers/gateway-client.js';
import { createSseReader, eventsOf, eventsOfType, numbered } from '../helpers/sse-reader.js';
import { freezeRedisClient } from './helpers/freeze-redis-client.js';
import { startRedisCluster, type RedisClusterProcesses } from './helpers/start-redis-cluster.js';
import { redisUnavailableReason } from './helpers/start-redis-server.js';
import { startRedisGateways } from './helpers/start-redis-gateways.js';

const clusterSkipReason = (): string | undefined => {
  const reason = redisUnavailableReason();
  if (reason !== undefined) return reason;
  const cli = spawnSync('redis-cli', ['--version'], { encoding: 'utf8' });
  return cli.error !== undefined || cli.status !== 0
    ? 'redis-cli is not installed (apt-get install redis-tools); skipping the Redis Cluster suite'
    : undefined;
};
const skipReason = clusterSkipReason();
if (skipReason !== undefined) console.warn(skipReason);

const cleanup = createCleanupStack();
afterEach(() => cleanup.run());

const record = (runId: string): RunRecord => ({
  runId,
  sessionId: `sess_${runId}`,
  request: { messages: [{ role: 'user', content: 'hello' }], context: {} },
});

/** Resolves when the signal aborts (a tool that never finishes on its own). */
const untilAborted = (signal: AbortSignal): Promise<never> =>
  new Promise((_resolve, reject) => {
    signal.addEventListener('abort', () => reject(new Error('aborted')), { once: true });
  });

describe.skipIf(skipReason !== undefined)('gateway instances on a Redis Cluster of three masters', () => {
  let cluster: RedisClusterProcesses;
  let url: string;
  beforeAll(async () => {
    cluster = await startRedisCluster();
    url = cluster.urls[0] ?? '';
  }, 30_000);
  afterAll(async () => {
    await cluster.stop();
  });

  it('streams a run on A, follows it through C, takes an approval through B exactly once', async () => {
    const [a, b, c] = await startRedisGateways(cleanup, {
      url,
      topology: { cluster: true },
      turns: [
        [toolCallTurn('delete_file', { path: '/tmp/a' }, { id: 'toolu_first' }), textTurn('Deleted it.')],
        [textTurn('Hello again.')],
        [],
      ],
    });
    if (a === undefined || b === undefined || c === undefined) throw new Error('three gateways expected');
    const session = await a.client.openSession();
    const onA = createSseReader(await a.client.chat(session.token, 'delete a file'));
    const request = await onA.nextOfType('tool_approval_request');
    const runId = numbered(onA.frames).at(-1)?.runId;
    const onC = createSseReader(
      await c.client.get('/chat/stream', {
        token: session.token,
        headers: { 'last-event-id': `${runId}:0` },
      }),
    );
    await onC.nextOfType('tool_approval_request');

    const body = { tool_call_id: request.tool_call_id, nonce: request.nonce, approved: true };
    const answers = await Promise.all([
      b.client.post('/chat/tool-approval', body, { token: session.token }),
      c.client.post('/chat/tool-approval', body, { token: session.token }),
    ]);
    const [winner, loser] = answers.map((response) => response.status).sort();
    expect(winner).toBe(200);
    expect([404, 409]).toContain(loser);

    const rest = await onC.rest();
    expect(rest.at(-1)?.event.type).toBe('stream_complete');
    const seen = numbered(onC.frames);
    expect(seen.map((frame) => frame.id)).toEqual(seen.map((_frame, index) => index + 1));
    expect(eventsOf(seen)).toEqual(a.events.get(session.sessionId));
    expect(a.deleted).toEqual(['/tmp/a']);
    await onA.rest();

    // The session is free again on another instance (its lock lives on the session's node).
    const again = await b.client.chat(session.token, 'again');
    expect(again.status).toBe(200);
    await again.body?.cancel();
  });

  it('moves a run from an instance cut off from the cluster to another, with one gap-free sequence', async () => {
    const calls: string[] = [];
    const continued = [textTurn('Finished elsewhere.')];
    const [a, b, c] = await startRedisGateways(cleanup, {
      url,
      topology: { cluster: true },
      turns: [
        [toolCallTurn('read_status', {}, { id: 'toolu_status', text: 'Reading.' })],
        continued,
        continued,
      ],
      server: { runLeaseMs: 60_000, instanceHeartbeatMs: 100, instanceSilentMs: 600 },
      extraTools: (index) => [
        {
          definition: {
            name: 'read_status',
            description: 'Reads the status',
            input_schema: { type: 'object', properties: {} },
            idempotent: true,
          },
          handler: (_input, context) => {
            calls.push(`${index}:read_status`);
            return index === 0 ? untilAborted(context.signal) : { status: 'green' };
          },
        },
      ],
    });
    if (a === undefined || b === undefined || c === undefined) throw new Error('three gateways expected');
    const session = await a.client.openSession();
    const onA = createSseReader(await a.client.chat(session.token, 'go'));
    await onA.nextOfType('tool_call_start');
    const runId = numbered(onA.frames).at(-1)?.runId;
    const onC = createSseReader(
      await c.client.get('/chat/stream', {
        token: session.token,
        headers: { 'last-event-id': `${runId}:0` },
      }),
    );
    await onC.nextOfType('tool_call_start');
    // A is cut off from the cluster: its heartbeat stops, and B or C takes the run over long
    // before the lease (60 s) would lapse.
    const partition = freezeRedisClient(a.stores.client);

    const rest = await onC.rest();
    expect(rest.at(-1)?.event.type).toBe('stream_complete');
    const seen = numbered(onC.frames);
    expect(seen.map((frame) => frame.id)).toEqual(seen.map((_frame, index) => index + 1));
    expect(eventsOfType(seen, 'stream_retry')).toHaveLength(1);
    expect(calls[0]).toBe('0:read_status');
    expect(calls).toHaveLength(2);
    // Healed, A hears that it lost the run and stands down without ending it.
    partition.thaw();
    const restOnA = await onA.rest();
    expect(restOnA.some((frame) => frame.event.type === 'stream_complete')).toBe(false);
  });

  it('claims every run of a silent owner in one scan, whichever node each run lives on', async () => {
    const keyPrefix = `cl${randomBytes(4).toString('hex')}:`;
    const open = async () => {
      const stores = createRedisStores({ url, cluster: true, keyPrefix, onError: () => undefined });
      cleanup.add(stores, (owned) => owned.close());
      await stores.connect?.();
      const leases = stores.runLeases;
      if (leases === undefined) throw new Error('the Redis bundle has run leases');
      return leases;
    };
    const [a, b] = await Promise.all([open(), open()]);
    const runIds = Array.from({ length: 30 }, (_unused, index) => `run_${index}`);
    await a.beat('A.1');
    await Promise.all(runIds.map((runId) => a.begin(record(runId), 'A.1', 600_000)));
    await new Promise((resolve) => setTimeout(resolve, 300));
    await b.beat('B.1');
    const claimed = await b.claimOrphaned('B.1', 600_000, { silentOwnerMs: 200 });
    expect(claimed.map((run) => run.record.runId).sort()).toEqual([...runIds].sort());
    expect(await a.renew('run_0', 'A.1', 1, 600_000)).toBe('lost');
  });

  it('sweeps expired sessions and withdraws pending answers, each key on its own node', async () => {
    const keyPrefix = `cl${randomBytes(4).toString('hex')}:`;
    const stores = createRedisStores({ url, cluster: true, keyPrefix, onError: () => undefined });
    cleanup.add(stores, (owned) => owned.close());
    await stores.connect?.();
    const now = Date.now() / 1000;
    const ids = Array.from({ length: 12 }, (_unused, index) => `sess_${index}`);
    for (const sessionId of ids) {
      await stores.sessions.create({
        sessionId,
        apiKeyHash: 'hash',
        createdAt: now - 100,
        expiresAt: now - 1,
        approvedToolTypes: ['delete_file'],
      });
    }
    const swept = await stores.sessions.takeExpired(now);
    expect(swept.map((session) => session.sessionId).sort()).toEqual([...ids].sort());
    expect(swept[0]?.approvedToolTypes).toEqual(['delete_file']);
    expect(await stores.sessions.takeExpired(now)).toEqual([]);

    for (const toolCallId of ['toolu_1', 'toolu_2']) {
      await stores.pendingAnswers.create({
        toolCallId,
        sessionId: 'sess_parked',
        runId: 'run_parked',
        kind: 'approval',
        nonce: 'nonce',
        requestedAt: now,
        expiresAt: now + 60,
        status: 'approval_pending',
        toolName: 'delete_file',
      });
    }
    await stores.pendingAnswers.deletePendingOfRun('sess_parked', 'run_parked');
    for (const toolCallId of ['toolu_1', 'toolu_2']) {
      expect(
        await stores.pendingAnswers.get({ sessionId: 'sess_parked', runId: 'run_parked', toolCallId }),
      ).toBeUndefined();
    }
  });

  it('is reached through server.store { redis, cluster: true }: the app builds, starts and closes its stores', async () => {
    const app = createGatewayApp({
      buildChatRuntime: () => ({
        systemPrompt: 'unused',
        createRunner: () => ({ run: () => Promise.resolve() }),
      }),
      server: { store: { redis: url, cluster: true, keyPrefix: `app${randomBytes(4).toString('hex')}:` } },
    });
    const client = cleanup.add(await startGatewayClient(app), (started) => started.close());
    const session = await client.openSession();
    expect(session.token).not.toBe('');
    const ready = await client.get('/health/ready');
    expect(ready.status).toBe(200);
  });
});
