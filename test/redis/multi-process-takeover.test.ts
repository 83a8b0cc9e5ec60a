import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { textTurn, toolCallTurn } from '../../src/testing/scripted-turn.js';
import { createCleanupStack } from '../helpers/cleanup-stack.js';
import { eventsOf, eventsOfType, numbered, sseOf } from '../helpers/sse-reader.js';
import { toolResultsOf } from '../helpers/upstream-tool-results.js';
import { waitFor } from '../helpers/wait-for.js';
import { spawnGatewayProcesses } from './helpers/spawn-gateway-process.js';
import {
  redisUnavailableReason,
  startRedisServer,
  type RedisServerProcess,
} from './helpers/start-redis-server.js';
import { startSharedUpstream, type SharedUpstream } from './helpers/start-shared-upstream.js';

const skipReason = redisUnavailableReason();
if (skipReason !== undefined) console.warn(skipReason);

const cleanup = createCleanupStack();
const suite = createCleanupStack();
afterEach(() => cleanup.run());
afterAll(() => suite.run());

/** A lease short enough for a quick takeover, long enough for a loaded 2-core machine. */
const RUN_LEASE_MS = 1_500;

describe.skipIf(skipReason !== undefined)('a gateway process killed mid-run (SIGKILL)', () => {
  let redis: RedisServerProcess;
  let upstream: SharedUpstream;

  beforeAll(async () => {
    redis = suite.add(await startRedisServer(), (server) => server.stop());
    upstream = await startSharedUpstream(suite);
  }, 30_000);

  it.each([
    { idempotent: false, waitMs: 600_000 },
    { idempotent: true, waitMs: 4_000 },
  ])(
    'its run finishes through another process with one gap-free sequence (wait_a_bit idempotent: $idempotent)',
    async ({ idempotent, waitMs }) => {
      upstream.reset();
      const deployment = await spawnGatewayProcesses(cleanup, {
        redisUrl: redis.url,
        upstreamUrl: upstream.url,
        count: 3,
        agentOptions: {
          server: { heartbeatIntervalMs: 60_000, disconnectGraceMs: 60_000, runLeaseMs: RUN_LEASE_MS },
        },
        idempotentTools: idempotent ? ['wait_a_bit'] : [],
      });
      const [a, b, c] = deployment.processes;
      if (a === undefined || b === undefined || c === undefined) throw new Error('three processes expected');
      upstream.script(
        toolCallTurn('wait_a_bit', { ms: waitMs }, { id: 'toolu_wait', text: 'Waiting first.' }),
        textTurn('Finished after the takeover.'),
      );

      const session = await a.client.openSession();
      const onA = await sseOf(await a.client.chat(session.token, 'wait, then answer'));
      await onA.nextOfType('tool_call_start');
      const runId = onA.frames[0]?.runId;
      // A follower through C reads the shared log from the start.
      const onC = await sseOf(
        await c.client.get('/chat/stream', {
          token: session.token,
          headers: { 'last-event-id': `${runId}:0` },
        }),
      );
      await waitFor(() =>
        deployment.sideEffects().some((effect) => effect.instance === 'A' && effect.outcome === 'started')
          ? true
          : undefined,
      );
      await a.kill('SIGKILL');

      // The client that followed A reconnects through B from the last event it saw.
      const lastOnA = numbered(onA.frames).at(-1);
      await onA.cancel();
      const onB = await sseOf(
        await b.client.get('/chat/stream', {
          token: session.token,
          headers: { 'last-event-id': `${runId}:${lastOnA?.id}` },
        }),
      );
      const restOnB = await onB.rest();
      await onC.rest();

      const seenOnC = numbered(onC.frames);
      expect(seenOnC.map((frame) => frame.id)).toEqual(seenOnC.map((_frame, index) => index + 1));
      expect(new Set(seenOnC.map((frame) => frame.runId))).toEqual(new Set([runId]));
      const throughB = numbered([...onA.frames.filter((frame) => frame.id !== undefined), ...restOnB]);
      expect(throughB.map((frame) => frame.id)).toEqual(seenOnC.map((frame) => frame.id));
      expect(eventsOf(throughB)).toEqual(eventsOf(seenOnC));

      const events = eventsOf(seenOnC);
      const retry = eventsOfType(seenOnC, 'stream_retry');
      expect(retry).toHaveLength(1);
      expect(retry[0]?.attempt).toBe(1);
      expect(events.at(-1)?.type).toBe('stream_complete');
      const completes = eventsOfType(seenOnC, 'tool_call_complete');
      expect(completes).toHaveLength(1);

      const continuation = upstream.requestsOfTest()[1];
      const [result] = toolResultsOf(continuation);
      expect(result?.toolCallId).toBe('toolu_wait');
      const effects = deployment.sideEffects().map((effect) => `${effect.instance}:${effect.outcome}`);
      if (idempotent) {
        expect(completes[0]?.error).toBeNull();
        expect(result?.isError).toBe(false);
        // Started on A (killed), started again and finished on the survivor.
        expect(effects[0]).toBe('A:started');
        expect(effects.slice(1).map((effect) => effect.split(':')[1])).toEqual(['started', 'waited']);
      } else {
        expect(completes[0]?.error?.code).toBe('interrupted');
        expect(result?.isError).toBe(true);
        expect(result?.content).toContain('interrupted');
        expect(effects).toEqual(['A:started']);
      }
      upstream.assertScriptConsumed();

      // The session is free again on the survivors.
      const again = await b.client.chat(session.token, 'again');
      upstream.script(textTurn('Hello again.'));
      expect(again.status).toBe(200);
      await again.body?.cancel();
    },
    90_000,
  );
});
