import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { afterEach, describe, expect, it } from 'vitest';
import { createGatewayApp } from '../src/server/create-gateway-app.js';
import type { ChatRuntime } from '../src/server/contracts/gateway-config.js';
import type { ServerSpec } from '../src/server/contracts/server-spec.js';
import { createCleanupStack } from './helpers/cleanup-stack.js';
import { startGatewayClient, type GatewayClient } from './helpers/gateway-client.js';
import { readAllSseFrames, type SseFrame } from './helpers/sse-reader.js';
import { waitFor } from './helpers/wait-for.js';
import { completeWithoutUsage, imageResult, MiB } from './helpers/image-run-events.js';

const cleanup = createCleanupStack();
afterEach(() => cleanup.run());

setFlagsFromString('--expose-gc');
const collectGarbage = runInNewContext('gc') as () => void;

/** Bytes of the JavaScript heap in use after a full collection (where events live). */
const heapBytes = (): number => {
  collectGarbage();
  return process.memoryUsage().heapUsed;
};

/** A gateway whose runs write `results` image results, then `stream_complete`. */
async function startImageGateway(results: number, server: ServerSpec): Promise<GatewayClient> {
  const buildChatRuntime = (): ChatRuntime => ({
    systemPrompt: 's',
    createRunner: (context) => ({
      async run() {
        for (let index = 0; index < results; index += 1) {
          context.eventLog.append(imageResult(index));
          await new Promise((resolve) => setImmediate(resolve));
        }
        context.eventLog.append(completeWithoutUsage);
      },
    }),
  });
  const app = createGatewayApp({
    buildChatRuntime,
    // The reader of the live run (in this busy process) must not be dropped for slowness.
    server: { allowedModels: [], maxBufferedBytesPerStream: 64 * MiB, ...server },
  });
  return cleanup.add(await startGatewayClient(app), (client) => client.close());
}

/** Runs one chat of a new session to its end; returns the session's token and the run's frames. */
async function finishedRun(gateway: GatewayClient): Promise<{ token: string; frames: SseFrame[] }> {
  const session = await gateway.openSession();
  const frames = await readAllSseFrames(await gateway.chat(session.token, 'draw'));
  expect(frames.at(-1)?.event.type).toBe('stream_complete');
  return { token: session.token, frames };
}

/** Resumes the session's run after `lastEventId` (from the start when absent); returns its frames. */
async function resume(gateway: GatewayClient, token: string, lastEventId?: string): Promise<SseFrame[]> {
  const response = await gateway.get('/chat/stream', {
    token,
    ...(lastEventId === undefined ? {} : { headers: { 'last-event-id': lastEventId } }),
  });
  expect(response.status).toBe(200);
  return readAllSseFrames(response);
}

const idOf = (frame: SseFrame | undefined): string => `${frame?.runId ?? ''}:${String(frame?.id)}`;

describe('events kept for finished runs', () => {
  it('keeps the newest maxRetainedBytesPerRun of a finished run, and a resume from before them ends with stream_truncated', async () => {
    const gateway = await startImageGateway(10, { maxRetainedBytesPerRun: 3 * MiB });
    // A reader of the live run gets every event.
    const { token, frames } = await finishedRun(gateway);
    expect(frames).toHaveLength(11);

    // From the start: what is gone is said, in one terminal event numbered as the run's last.
    const fromStart = await resume(gateway, token);
    expect(fromStart).toHaveLength(1);
    expect(fromStart[0]?.event).toMatchObject({ type: 'error', code: 'stream_truncated' });
    expect(fromStart[0]?.event).toHaveProperty('error', expect.stringContaining('maxRetainedBytesPerRun'));
    expect(idOf(fromStart[0])).toBe(idOf(frames.at(-1)));

    // From a position inside what is kept: the rest, whole.
    const fromKept = await resume(gateway, token, idOf(frames[7]));
    expect(fromKept.map((frame) => frame.id)).toEqual([9, 10, 11]);
    expect(fromKept[0]?.event).toEqual(imageResult(8));
  });

  it('bounds what the finished runs of an instance hold together by maxRetainedBytes, taking from the oldest runs first', async () => {
    const gateway = await startImageGateway(8, { maxRetainedBytes: 10 * MiB });
    const before = heapBytes();
    const tokens: string[] = [];
    for (let session = 0; session < 4; session += 1) tokens.push((await finishedRun(gateway)).token);
    // 32 MiB of events were written; the instance keeps about 10 MiB of them (once the last
    // run, whose stream already ended, has wound down).
    const held = await waitFor(
      () => {
        const bytes = heapBytes() - before;
        return bytes < 16 * MiB ? bytes : undefined;
      },
      {
        timeoutMs: 3_000,
        intervalMs: 50,
        description: () => `heap growth below 16 MiB (${heapBytes() - before})`,
      },
    );
    expect(held).toBeLessThan(16 * MiB);

    const [oldest, , , newest] = tokens;
    // The run that finished last is whole; the one that finished first gave its events up.
    expect((await resume(gateway, newest ?? '')).map((frame) => frame.event.type)).toEqual([
      ...Array<string>(8).fill('tool_call_complete'),
      'stream_complete',
    ]);
    const truncated = await resume(gateway, oldest ?? '');
    expect(truncated.map((frame) => frame.event)).toEqual([
      expect.objectContaining({ type: 'error', code: 'stream_truncated' }),
    ]);
  });
});
