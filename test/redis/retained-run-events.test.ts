import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createGatewayApp } from '../../src/server/create-gateway-app.js';
import type { ChatRuntime } from '../../src/server/contracts/gateway-config.js';
import { createCleanupStack } from '../helpers/cleanup-stack.js';
import { startGatewayClient, type GatewayClient } from '../helpers/gateway-client.js';
import { readAllSseFrames, type SseFrame } from '../helpers/sse-reader.js';
import { waitFor } from '../helpers/wait-for.js';
import {
  redisUnavailableReason,
  startRedisServer,
  type RedisServerProcess,
} from './helpers/start-redis-server.js';
import { completeWithoutUsage, imageResult, MiB } from '../helpers/image-run-events.js';

const skipReason = redisUnavailableReason();
if (skipReason !== undefined) console.warn(skipReason);

const buildChatRuntime = (): ChatRuntime => ({
  systemPrompt: 's',
  createRunner: (context) => ({
    async run() {
      for (let index = 0; index < 10; index += 1) {
        context.eventLog.append(imageResult(index));
        await new Promise((resolve) => setImmediate(resolve));
      }
      context.eventLog.append(completeWithoutUsage);
    },
  }),
});

const idOf = (frame: SseFrame | undefined): string => `${frame?.runId ?? ''}:${String(frame?.id)}`;

describe.skipIf(skipReason !== undefined)('events kept for finished runs in Redis', () => {
  let server: RedisServerProcess;
  const cleanup = createCleanupStack();
  beforeAll(async () => {
    server = await startRedisServer();
  });
  afterEach(() => cleanup.run());
  afterAll(() => server.stop());

  it('trims a finished run in the shared log to maxRetainedBytesPerRun, and a resume through another instance from before it ends with stream_truncated', async () => {
    const keyPrefix = `t${randomBytes(4).toString('hex')}:`;
    const jwtSecret = randomBytes(32).toString('hex');
    const start = async (): Promise<GatewayClient> => {
      const app = createGatewayApp({
        buildChatRuntime,
        server: {
          allowedModels: [],
          jwtSecret,
          store: { redis: server.url, keyPrefix },
          maxRetainedBytesPerRun: 3 * MiB,
          maxBufferedBytesPerStream: 64 * MiB,
        },
      });
      return cleanup.add(await startGatewayClient(app), (client) => client.close());
    };
    const [first, second] = [await start(), await start()];
    const session = await first.openSession();
    const frames = await readAllSseFrames(await first.chat(session.token, 'draw'));
    expect(frames).toHaveLength(11);
    const runId = frames[0]?.runId ?? '';

    // The shared copy keeps the newest 3 MiB: the last two results and the end.
    const redis = cleanup.add(new Redis(server.url), (client) => client.disconnect());
    const key = `${keyPrefix}run:${runId}:events`;
    const kept = await waitFor(async () => {
      const length = await redis.xlen(key);
      return length <= 3 ? length : undefined;
    });
    expect(kept).toBe(3);

    // The other instance holds nothing of the run: it reads the shared log.
    const fromStart = await second.get('/chat/stream', { token: session.token });
    expect(fromStart.status).toBe(200);
    const truncated = await readAllSseFrames(fromStart);
    expect(truncated.map((frame) => frame.event)).toEqual([
      expect.objectContaining({ type: 'error', code: 'stream_truncated' }),
    ]);
    expect(idOf(truncated[0])).toBe(idOf(frames.at(-1)));

    const fromKept = await second.get('/chat/stream', {
      token: session.token,
      headers: { 'last-event-id': idOf(frames[7]) },
    });
    expect((await readAllSseFrames(fromKept)).map((frame) => frame.id)).toEqual([9, 10, 11]);
  });
});
