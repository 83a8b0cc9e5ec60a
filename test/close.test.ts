import { afterEach, describe, expect, it } from 'vitest';
import { createGatewayApp } from '../src/server/create-gateway-app.js';
import { createScriptedProvider } from '../src/testing/scripted-provider.js';
import { textTurn } from '../src/testing/scripted-turn.js';
import { createCleanupStack } from './helpers/cleanup-stack.js';
import { jsonOf, startGatewayClient } from './helpers/gateway-client.js';
import { createSseReader, eventsOf } from './helpers/sse-reader.js';
import { scriptedRuntime } from './helpers/scripted-runtime.js';
import { startMockAgent } from './helpers/start-mock-agent.js';
import { trackSourceTimers, waitForSourceTimersCleared } from './helpers/track-source-timers.js';

const cleanup = createCleanupStack();
afterEach(() => cleanup.run());

describe('closing the gateway', () => {
  it('ends an open stream with a terminal event, cancels the model call and shuts down once', async () => {
    let startups = 0;
    let shutdowns = 0;
    const { upstream, gateway } = await startMockAgent(cleanup, {
      turns: [textTurn('one two three four five', { stallAfterEvents: 4 })],
      agent: {
        server: {
          onStartup: () => void (startups += 1),
          onShutdown: () => void (shutdowns += 1),
        },
      },
    });
    const session = await gateway.openSession();
    const sourceTimers = cleanup.add(trackSourceTimers(), (tracker) => tracker.stop());
    const reader = createSseReader(await gateway.chat(session.token, 'count'));
    await reader.nextOfType('text_delta');

    const first = gateway.app.close();
    const second = gateway.app.close();
    const rest = await reader.rest();
    await Promise.all([first, second]);
    await gateway.app.close();

    const last = eventsOf(rest).at(-1);
    expect(last).toEqual({ type: 'error', error: 'cancelled: the gateway is shutting down' });
    expect(
      eventsOf(reader.frames).filter((event) => event.type === 'error' || event.type === 'stream_complete'),
    ).toHaveLength(1);
    expect((await upstream.waitForClientAbort(AbortSignal.timeout(5_000))).clientAborted).toBe(true);
    expect(startups).toBe(1);
    expect(shutdowns).toBe(1);
    await expect(fetch(`${gateway.baseUrl}/health`)).rejects.toThrow();
    await waitForSourceTimersCleared(sourceTimers);
  });

  it('refuses new chats once closing began', async () => {
    const provider = createScriptedProvider({ turns: [] });
    const app = createGatewayApp({
      buildChatRuntime: scriptedRuntime(provider),
      server: {
        allowedModels: [],
      },
    });
    const gateway = cleanup.add(await startGatewayClient(app), (client) => client.close());
    const session = await gateway.openSession();
    await app.close();

    // The listener is gone; the fetch handler, mounted elsewhere, still answers.
    const response = await app.fetch(
      new Request(`http://gateway.test${app.prefix}/chat`, {
        method: 'POST',
        headers: { authorization: `Bearer ${session.token}`, 'content-type': 'application/json' },
        body: JSON.stringify({ messages: [{ role: 'user', content: 'late' }] }),
      }),
    );
    expect(response.status).toBe(503);
    expect(await jsonOf(response)).toEqual({ detail: 'Gateway is shutting down' });
    provider.assertAllConsumed();
  });

  it('runs no shutdown hook when the app never started', async () => {
    let shutdowns = 0;
    const provider = createScriptedProvider();
    const app = createGatewayApp({
      buildChatRuntime: scriptedRuntime(provider),
      server: {
        onShutdown: () => void (shutdowns += 1),
      },
    });
    await app.close();
    await app.close();
    expect(shutdowns).toBe(0);
  });

  it('drains a chat whose runtime was still being built when close() began', async () => {
    const provider = createScriptedProvider({ turns: [textTurn('never streamed', { stallAfterEvents: 0 })] });
    const build = scriptedRuntime(provider);
    let releaseBuild: () => void = () => undefined;
    let buildStarted: () => void = () => undefined;
    const started = new Promise<void>((resolve) => {
      buildStarted = resolve;
    });
    const app = createGatewayApp({
      buildChatRuntime: async (info) => {
        buildStarted();
        await new Promise<void>((resolve) => {
          releaseBuild = resolve;
        });
        return build(info);
      },
      server: {
        allowedModels: [],
      },
    });
    const gateway = cleanup.add(await startGatewayClient(app), (client) => client.close());
    const session = await gateway.openSession();
    const chatting = gateway.chat(session.token, 'slow start');
    await started;

    const closing = app.close();
    releaseBuild();
    const response = await chatting;
    await closing;
    // Either the run started and was drained (terminal error), or the request was refused:
    // it never keeps running behind a closed gateway.
    if (response.status === 200) {
      const frames = await createSseReader(response).rest();
      expect(eventsOf(frames).at(-1)).toEqual({
        type: 'error',
        error: 'cancelled: the gateway is shutting down',
      });
    } else {
      expect(response.status).toBe(503);
    }
  });
});
