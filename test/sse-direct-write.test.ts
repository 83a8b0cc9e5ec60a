import { afterEach, describe, expect, it } from 'vitest';
import type { GatewayEvent } from '../src/core/events.js';
import { createGatewayApp } from '../src/server/create-gateway-app.js';
import type { ChatRuntime } from '../src/server/contracts/gateway-config.js';
import { createCleanupStack } from './helpers/cleanup-stack.js';
import { startGatewayClient } from './helpers/gateway-client.js';
import { eventsOf, readAllSseFrames, textOf } from './helpers/sse-reader.js';

const cleanup = createCleanupStack();
afterEach(() => cleanup.run());

const complete: GatewayEvent = {
  type: 'stream_complete',
  usage: {
    input_tokens: 0,
    output_tokens: 0,
    cache_creation_input_tokens: 0,
    cache_read_input_tokens: 0,
    estimated_cost: 0,
  },
};

/** A gateway whose runs say nothing until `release()`, then answer "late answer". */
async function startSlowModelGateway(options: { sseRetryMs?: number } = {}) {
  let release: () => void = () => undefined;
  const released = new Promise<void>((resolve) => (release = resolve));
  const buildChatRuntime = (): ChatRuntime => ({
    systemPrompt: 's',
    createRunner: (context) => ({
      async run() {
        await released;
        context.eventLog.append({ type: 'text_delta', text: 'late answer' });
        context.eventLog.append(complete);
      },
    }),
  });
  const app = createGatewayApp({
    buildChatRuntime,
    server: {
      allowedModels: [],
      ...(options.sseRetryMs === undefined ? {} : { sseRetryMs: options.sseRetryMs }),
    },
  });
  const gateway = cleanup.add(await startGatewayClient(app), (client) => client.close());
  return { gateway, release };
}

describe('event streams written to the Node response', () => {
  it('sends the response head while the model has not said anything yet', async () => {
    const { gateway, release } = await startSlowModelGateway();
    const session = await gateway.openSession();
    // The run stays silent until the head has arrived: a head held back for the first event
    // would never come.
    const response = await gateway.chat(session.token, 'hello');
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('text/event-stream');
    expect(response.headers.get('x-gateway-direct-stream')).toBeNull();
    release();
    const frames = await readAllSseFrames(response);
    expect(textOf(frames)).toBe('late answer');
    expect(eventsOf(frames).at(-1)?.type).toBe('stream_complete');
  });

  it('sends the retry line first, before the first event', async () => {
    const { gateway, release } = await startSlowModelGateway({ sseRetryMs: 2500 });
    const session = await gateway.openSession();
    const response = await gateway.chat(session.token, 'hello');
    release();
    const body = await response.text();
    expect(body.startsWith('retry: 2500\n\n')).toBe(true);
    expect(body).toContain('"text":"late answer"');
  });
});
