import { setTimeout as delay } from 'node:timers/promises';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { textTurn } from '../../src/testing/scripted-turn.js';
import { createCleanupStack } from '../helpers/cleanup-stack.js';
import { eventsOf, readAllSseFrames } from '../helpers/sse-reader.js';
import {
  redisUnavailableReason,
  startRedisServer,
  type RedisServerProcess,
} from './helpers/start-redis-server.js';
import { startRedisGateways, type RedisGateway } from './helpers/start-redis-gateways.js';

const skipReason = redisUnavailableReason();
if (skipReason !== undefined) console.warn(skipReason);

const cleanup = createCleanupStack();
afterEach(() => cleanup.run());

/** Far beyond the default silence (three heartbeats of 400 ms) plus the lock's own age. */
const RECOVERY_BOUND_MS = 15_000;

/** Posts a chat to `gateway` until it is not refused with 409 (or `boundMs` passes); every status seen. */
const chatUntilAccepted = async (gateway: RedisGateway, token: string, boundMs: number) => {
  const statuses: number[] = [];
  const deadline = Date.now() + boundMs;
  for (;;) {
    const response = await gateway.client.chat(token, 'hello again');
    statuses.push(response.status);
    if (response.status !== 409 || Date.now() > deadline) return { response, statuses };
    await response.body?.cancel();
    await delay(100);
  }
};

describe.skipIf(skipReason !== undefined)('a session lock whose instance died before its run began', () => {
  let redis: RedisServerProcess;
  beforeAll(async () => {
    redis = await startRedisServer();
  });
  afterAll(() => redis.stop());

  const start = () =>
    startRedisGateways(cleanup, { url: redis.url, turns: [[], [textTurn('Hello after the crash.')]] });

  it('is broken once its instance falls silent: the next chat on another instance runs instead of 409 forever', async () => {
    const [a, b] = await start();
    if (a === undefined || b === undefined) throw new Error('two gateways expected');
    const session = await a.client.openSession();
    // An instance took the session's run lock, beat once, and was killed before it registered
    // the run (a SIGKILL between the lock and the run's first write).
    const leases = a.stores.runLeases;
    if (leases === undefined) throw new Error('the Redis bundle has run leases');
    await leases.beat('killed-instance');
    expect(await a.stores.sessions.acquireRunLock(session.sessionId, 'killed-instance')).toBe(true);

    const { response, statuses } = await chatUntilAccepted(b, session.token, RECOVERY_BOUND_MS);
    expect(response.status, `statuses: ${statuses.join(', ')}`).toBe(200);
    expect(eventsOf(await readAllSseFrames(response)).at(-1)).toMatchObject({ type: 'stream_complete' });
  });

  it('is kept while its instance still beats: the other chat is refused with 409, and runs once that instance falls silent', async () => {
    const [a, b] = await start();
    if (a === undefined || b === undefined) throw new Error('two gateways expected');
    const leases = a.stores.runLeases;
    if (leases === undefined) throw new Error('the Redis bundle has run leases');
    const session = await a.client.openSession();
    // A live instance between taking the lock and registering its run: it keeps beating.
    await leases.beat('live-instance');
    const beating = setInterval(() => void leases.beat('live-instance'), 100);
    cleanup.add(beating, clearInterval);
    expect(await a.stores.sessions.acquireRunLock(session.sessionId, 'live-instance')).toBe(true);

    const { statuses } = await chatUntilAccepted(b, session.token, 3_000);
    expect(new Set(statuses)).toEqual(new Set([409]));

    clearInterval(beating);
    const { response, statuses: after } = await chatUntilAccepted(b, session.token, RECOVERY_BOUND_MS);
    expect(response.status, `statuses: ${after.join(', ')}`).toBe(200);
    expect(eventsOf(await readAllSseFrames(response)).at(-1)).toMatchObject({ type: 'stream_complete' });
  });
});
