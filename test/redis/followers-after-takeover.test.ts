import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { isTerminalEvent, type LogEntry } from '../../src/core/events.js';
import { textTurn, toolCallTurn } from '../../src/testing/scripted-turn.js';
import { createCleanupStack } from '../helpers/cleanup-stack.js';
import { createSseReader } from '../helpers/sse-reader.js';
import {
  redisUnavailableReason,
  startRedisServer,
  type RedisServerProcess,
} from './helpers/start-redis-server.js';
import { startRedisGateways, type ExtraTool, type RedisGateway } from './helpers/start-redis-gateways.js';

const skipReason = redisUnavailableReason();
if (skipReason !== undefined) console.warn(skipReason);

const cleanup = createCleanupStack();
afterEach(() => cleanup.run());

const GRACE_MS = 400;

/**
 * `watch_queue` (idempotent): on instance 0 it never ends (the instance dies mid-call); on the
 * others it waits until the test opens `gate`, or until the run is cancelled.
 */
const watchQueue =
  (gate: Promise<void>) =>
  (index: number): ExtraTool[] => [
    {
      definition: {
        name: 'watch_queue',
        description: 'Watches the queue until it drains',
        input_schema: { type: 'object', properties: {} },
        idempotent: true,
      },
      handler: (_input, context) =>
        new Promise((resolve, reject) => {
          context.signal.addEventListener('abort', () => reject(new Error('aborted')), { once: true });
          if (index !== 0) void gate.then(() => resolve({ drained: true }));
        }),
    },
  ];

/** The run's terminal event, read from the shared log through `gateway`'s stores. */
async function terminalEventOf(gateway: RedisGateway, runId: string, timeoutMs: number): Promise<LogEntry> {
  const signal = AbortSignal.timeout(timeoutMs);
  const log = gateway.stores.runEvents;
  if (log === undefined) throw new Error('Redis stores without a run event log');
  for await (const entry of log.read(runId, 0, signal)) {
    if (isTerminalEvent(entry.event)) return entry;
  }
  throw new Error(`run ${runId} did not end within ${timeoutMs} ms`);
}

describe.skipIf(skipReason !== undefined)('followers of a run that another instance took over', () => {
  let redis: RedisServerProcess;
  beforeAll(async () => {
    redis = await startRedisServer();
  });
  afterAll(async () => {
    await redis.stop();
  });

  /** A run on A followed through C; A loses Redis and B or C continues the run. */
  async function runTakenOver() {
    let openGate: () => void = () => undefined;
    const gate = new Promise<void>((resolve) => (openGate = resolve));
    const continued = [textTurn('Queue drained.')];
    const gateways = await startRedisGateways(cleanup, {
      url: redis.url,
      turns: [[toolCallTurn('watch_queue', {}, { id: 'toolu_watch' })], continued, continued],
      server: { runLeaseMs: 600, disconnectGraceMs: GRACE_MS },
      extraTools: watchQueue(gate),
    });
    const [a, b, c] = gateways;
    if (a === undefined || b === undefined || c === undefined) throw new Error('three gateways expected');
    const session = await a.client.openSession();
    const onA = createSseReader(await a.client.chat(session.token, 'Watch the queue'));
    const first = await onA.next();
    const runId = first?.runId ?? '';
    const onC = createSseReader(
      await c.client.get('/chat/stream', {
        token: session.token,
        headers: { 'last-event-id': `${runId}:0` },
      }),
    );
    await onC.nextOfType('tool_call_start');
    a.stores.client.disconnect();
    // The survivor runs the idempotent call again: the run is now held by B or C.
    await onC.nextOfType('stream_retry');
    await onC.nextOfType('tool_call_start');
    return { b, onC, runId, openGate };
  }

  it('counts a follower that joined before the takeover, so the run outlives the grace period', async () => {
    const { b, onC, runId, openGate } = await runTakenOver();
    // Several grace periods pass with the follower still attached through C.
    await new Promise((resolve) => setTimeout(resolve, 4 * GRACE_MS));
    openGate();
    const rest = await onC.rest();
    expect(rest.at(-1)?.event.type).toBe('stream_complete');
    expect((await terminalEventOf(b, runId, 5_000)).event.type).toBe('stream_complete');
  });

  it('cancels the run after the grace period once that follower leaves', async () => {
    const { b, onC, runId } = await runTakenOver();
    await onC.cancel();
    const terminal = await terminalEventOf(b, runId, 10_000);
    expect(terminal.event).toMatchObject({
      type: 'error',
      error: expect.stringContaining('no client re-attached') as unknown,
    });
  });
});
