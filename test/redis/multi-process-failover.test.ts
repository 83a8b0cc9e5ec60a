/**
 * Failover by heartbeat: a gateway process holding many slow runs is killed with SIGKILL, and
 * every one of its streams resumes on another process, with nothing lost and nothing
 * duplicated. The runs' leases are ten minutes, far beyond the test: only the instance
 * heartbeat (default 400 ms, silent after 1 200 ms) can move them. How fast that is, is
 * measured (and printed) here but bounded by no assertion: a loaded machine makes any
 * wall-clock bound flaky; bench/failover-round-trips.ts measures its cost.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { textTurn, toolCallTurn } from '../../src/testing/scripted-turn.js';
import { createCleanupStack } from '../helpers/cleanup-stack.js';
import { eventsOf, eventsOfType, numbered, sseOf, type SseReader } from '../helpers/sse-reader.js';
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

/** More than two scans' worth under the old limit of 8 runs per scan. */
const RUNS = 20;
/** A run lease that cannot expire during the test: a resume can only come from the heartbeat. */
const LEASE_BEYOND_THE_TEST_MS = 600_000;

const percentile = (sorted: readonly number[], fraction: number): number =>
  sorted[Math.min(sorted.length - 1, Math.ceil(fraction * sorted.length) - 1)] ?? Number.NaN;

describe.skipIf(skipReason !== undefined)('a gateway process holding many runs killed (SIGKILL)', () => {
  let redis: RedisServerProcess;
  let upstream: SharedUpstream;

  beforeAll(async () => {
    redis = suite.add(await startRedisServer(), (server) => server.stop());
    upstream = await startSharedUpstream(suite);
  }, 30_000);

  it(`every one of its ${RUNS} streams resumes on another process before any lease expires, 0 lost, 0 duplicated`, async () => {
    upstream.reset();
    const deployment = await spawnGatewayProcesses(cleanup, {
      redisUrl: redis.url,
      upstreamUrl: upstream.url,
      count: 3,
      // Default heartbeat and silence, a lease longer than the test: the failover must come
      // from the heartbeat.
      agentOptions: {
        server: {
          heartbeatIntervalMs: 60_000,
          disconnectGraceMs: 60_000,
          runLeaseMs: LEASE_BEYOND_THE_TEST_MS,
        },
      },
    });
    const [a, b, c] = deployment.processes;
    if (a === undefined || b === undefined || c === undefined) throw new Error('three processes expected');
    for (let index = 0; index < RUNS; index += 1) {
      upstream.script(
        toolCallTurn('wait_a_bit', { ms: 600_000 }, { id: `toolu_wait_${index}`, text: 'Waiting.' }),
      );
    }

    const sessions = await Promise.all(Array.from({ length: RUNS }, () => a.client.openSession()));
    const onA: SseReader[] = [];
    for (const session of sessions)
      onA.push(await sseOf(await a.client.chat(session.token, 'wait, then answer')));
    await Promise.all(onA.map((reader) => reader.nextOfType('tool_call_start')));
    await waitFor(
      () =>
        deployment.sideEffects().filter((effect) => effect.instance === 'A' && effect.outcome === 'started')
          .length === RUNS || undefined,
      { timeoutMs: 20_000 },
    );
    for (let index = 0; index < RUNS; index += 1) upstream.script(textTurn('Finished after the takeover.'));

    const killedAt = performance.now();
    await a.kill('SIGKILL');
    // Each client reconnects at once (as EventSource does) through B or C, from the last event
    // it saw, and measures how long its stream stood still.
    const resumed = await Promise.all(
      onA.map(async (reader, index) => {
        const session = sessions[index];
        if (session === undefined) throw new Error('session expected');
        await reader.cancel();
        const last = numbered(reader.frames).at(-1);
        const survivor = index % 2 === 0 ? b : c;
        const again = await sseOf(
          await survivor.client.get('/chat/stream', {
            token: session.token,
            headers: { 'last-event-id': `${last?.runId}:${last?.id}` },
          }),
        );
        await again.until((frame) => frame.id !== undefined);
        const stillMs = performance.now() - killedAt;
        const rest = await again.rest();
        return {
          session,
          runId: last?.runId,
          before: numbered(reader.frames),
          after: numbered([...again.frames]),
          rest,
          stillMs,
        };
      }),
    );

    for (const { session, runId, before, after } of resumed) {
      const seen = [...before, ...after];
      // One gap-free sequence of one run: nothing lost, nothing seen twice.
      expect(seen.map((frame) => frame.id)).toEqual(seen.map((_frame, index) => index + 1));
      expect(new Set(seen.map((frame) => frame.runId))).toEqual(new Set([runId]));
      expect(eventsOfType(after, 'stream_retry')).toHaveLength(1);
      expect(after[0]?.event.type).toBe('stream_retry');
      expect(eventsOf(seen).at(-1)?.type).toBe('stream_complete');
      // What the client assembled is exactly the shared log, read afresh from the start.
      const whole = await sseOf(
        await b.client.get('/chat/stream', {
          token: session.token,
          headers: { 'last-event-id': `${runId}:0` },
        }),
      );
      expect(eventsOf(numbered(await whole.rest()))).toEqual(eventsOf(seen));
    }
    upstream.assertScriptConsumed();

    const sorted = resumed.map((run) => run.stillMs).sort((left, right) => left - right);
    const p50 = percentile(sorted, 0.5);
    const p99 = percentile(sorted, 0.99);
    console.info(
      `failover of ${RUNS} runs after SIGKILL: kill -> resume p50 ${p50.toFixed(0)} ms, p99 ${p99.toFixed(0)} ms, max ${sorted.at(-1)?.toFixed(0)} ms`,
    );
  }, 120_000);
});
