import { request } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { createAgent } from '../src/server/assembly/create-agent.js';
import { createCleanupStack } from './helpers/cleanup-stack.js';
import { startGatewayClient } from './helpers/gateway-client.js';

const cleanup = createCleanupStack();
afterEach(() => cleanup.run());

/** POSTs `body` to `url` on a connection of its own (no keep-alive pool): status, or the error code. */
const postOnNewConnection = (url: string, body: unknown): Promise<number | string> =>
  new Promise((resolve) => {
    const outgoing = request(
      url,
      { method: 'POST', agent: false, headers: { 'content-type': 'application/json' } },
      (response) => {
        response.resume();
        resolve(response.statusCode ?? 0);
      },
    );
    outgoing.on('error', (error: NodeJS.ErrnoException) => resolve(error.code ?? error.message));
    outgoing.end(JSON.stringify(body));
  });

describe('server.shutdown.drainDelayMs', () => {
  it('answers readiness 503 at once yet keeps accepting new connections and sessions until the delay is over', async () => {
    const gateway = cleanup.add(
      await startGatewayClient(
        createAgent({ systemPrompt: 'You are a test agent.', server: { shutdown: { drainDelayMs: 5_000 } } }),
      ),
      (client) => client.close(),
    );
    const initUrl = `${gateway.baseUrl}/chat/init`;
    expect(await postOnNewConnection(initUrl, { api_key: 'k' })).toBe(200);

    const closed = gateway.app.close();
    const ready = await gateway.get('/health/ready');
    expect(ready.status).toBe(503);
    expect(await ready.json()).toEqual({ status: 'draining' });
    expect((await gateway.get('/health/live')).status).toBe(200);
    // During the delay a balancer that has not probed yet still sends traffic: it is served.
    expect(await postOnNewConnection(initUrl, { api_key: 'k' })).toBe(200);

    await closed;
    expect(await postOnNewConnection(initUrl, { api_key: 'k' })).toBe('ECONNREFUSED');
  });

  it('refuses a negative delay with a message naming the option', () => {
    expect(() => createAgent({ systemPrompt: 'x', server: { shutdown: { drainDelayMs: -1 } } })).toThrow(
      /server\.shutdown\.drainDelayMs/,
    );
  });
});
