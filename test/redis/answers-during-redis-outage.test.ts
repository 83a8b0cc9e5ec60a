import { setTimeout as delay } from 'node:timers/promises';
import { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { textTurn, toolCallTurn } from '../../src/testing/scripted-turn.js';
import { createCleanupStack } from '../helpers/cleanup-stack.js';
import { eventsOf, eventsOfType, sseOf } from '../helpers/sse-reader.js';
import { waitFor } from '../helpers/wait-for.js';
import { startRedisGateways, type RedisGateway } from './helpers/start-redis-gateways.js';
import {
  redisUnavailableReason,
  startRedisServer,
  type RedisServerProcess,
} from './helpers/start-redis-server.js';

const skipReason = redisUnavailableReason();
if (skipReason !== undefined) console.warn(skipReason);

const cleanup = createCleanupStack();
const suite = createCleanupStack();
afterEach(() => cleanup.run());
afterAll(() => suite.run());

/** Short enough that a decision lost on the way shows up as a denial within the test. */
const APPROVAL_TIMEOUT_MS = 15_000;

describe.skipIf(skipReason !== undefined)(
  'tool answers and cancels posted while Redis is down or restarting',
  () => {
    let redis: RedisServerProcess;

    beforeAll(async () => {
      // With its data: the session and the pending answer survive the restart, as in production.
      redis = suite.add(await startRedisServer({ persistent: true }), (server) => server.stop());
    }, 30_000);

    /** A run on `owner` waiting for the approval of `delete_file /tmp/<marker>`, and `answerer`. */
    const waitingRun = async (marker: string) => {
      const [owner, answerer] = await startRedisGateways(cleanup, {
        url: redis.url,
        turns: [[toolCallTurn('delete_file', { path: `/tmp/${marker}` }), textTurn('Deleted.')], []],
        server: { approvalTimeoutMs: APPROVAL_TIMEOUT_MS },
      });
      if (owner === undefined || answerer === undefined) throw new Error('two instances expected');
      const session = await owner.client.openSession();
      const stream = await sseOf(await owner.client.chat(session.token, `delete /tmp/${marker}`));
      const request = await stream.nextOfType('tool_approval_request');
      const answer = { tool_call_id: request.tool_call_id, nonce: request.nonce, approved: true };
      const post = () => answerer.client.post('/chat/tool-approval', answer, { token: session.token });
      return { owner, answerer, stream, post, token: session.token };
    };

    /** The run received the approval: the tool ran once, on its instance, and the run completed. */
    const expectApprovedAndCompleted = async (
      owner: RedisGateway,
      stream: Awaited<ReturnType<typeof waitingRun>>['stream'],
      marker: string,
    ) => {
      await stream.rest();
      expect(eventsOfType(stream.frames, 'tool_call_complete')).toEqual([
        expect.objectContaining({ result: { deleted: `/tmp/${marker}` }, error: null }),
      ]);
      expect(eventsOf(stream.frames).at(-1)?.type).toBe('stream_complete');
      expect(owner.deleted).toEqual([`/tmp/${marker}`]);
    };

    it('refuses an approval with 503 and retry-after while Redis is down; the one posted again after the restart reaches the run', async () => {
      const { owner, answerer, stream, post } = await waitingRun('outage');
      await redis.down();
      await waitFor(() => (answerer.stores.isAvailable() ? undefined : true), {
        description: 'the answering instance to notice the outage',
      });

      const refused = await post();
      expect(refused.status).toBe(503);
      expect(refused.headers.get('retry-after')).toBe('1');
      await refused.body?.cancel();
      await delay(300);
      await redis.up();

      // The client retries as told until the answer is taken; every refusal says when to retry.
      const statuses: number[] = [];
      const accepted = await waitFor(
        async () => {
          const response = await post();
          statuses.push(response.status);
          if (response.status !== 503) return response;
          expect(response.headers.get('retry-after')).toBe('1');
          await response.body?.cancel();
          await delay(200);
          return undefined;
        },
        { timeoutMs: 15_000, description: 'the approval to be accepted after the restart' },
      );
      expect(await accepted.json()).toEqual({ status: 'ok' });
      expect(accepted.status, `statuses: ${statuses.join(', ')}`).toBe(200);
      await expectApprovedAndCompleted(owner, stream, 'outage');
    }, 60_000);

    it('delivers an approval posted while the run instance re-subscribes after its subscriber connection dropped (200 only once received)', async () => {
      const { owner, stream, post } = await waitingRun('resubscribe');
      const admin = new Redis(redis.url, { lazyConnect: true });
      cleanup.add(admin, (client) => client.disconnect());
      // Every instance's subscriber connection drops; ioredis reconnects and subscribes again
      // moments later. An approval published meanwhile reaches nobody.
      await admin.client('KILL', 'TYPE', 'pubsub');
      const response = await post();
      expect(response.status).toBe(200);
      expect(await response.json()).toEqual({ status: 'ok' });
      await expectApprovedAndCompleted(owner, stream, 'resubscribe');
    }, 60_000);

    it('refuses a cancel with 503 while Redis is down; one posted while the owner re-subscribes still reaches the run', async () => {
      const { answerer, stream, token } = await waitingRun('cancel');
      await redis.down();
      await waitFor(() => (answerer.stores.isAvailable() ? undefined : true), {
        description: 'the answering instance to notice the outage',
      });
      const refused = await answerer.client.post('/chat/cancel', {}, { token });
      expect(refused.status).toBe(503);
      expect(refused.headers.get('retry-after')).toBe('1');
      await refused.body?.cancel();
      await redis.up();
      await waitFor(() => (answerer.stores.isAvailable() ? true : undefined), {
        timeoutMs: 10_000,
        description: 'the answering instance to reconnect',
      });

      const admin = new Redis(redis.url, { lazyConnect: true });
      cleanup.add(admin, (client) => client.disconnect());
      await admin.client('KILL', 'TYPE', 'pubsub');
      const cancelled = await answerer.client.post('/chat/cancel', {}, { token });
      expect(cancelled.status).toBe(200);
      expect(await cancelled.json()).toMatchObject({ status: 'cancelled' });
      await stream.rest();
      expect(eventsOf(stream.frames).at(-1)).toEqual({ type: 'error', error: 'cancelled' });
    }, 60_000);
  },
);
