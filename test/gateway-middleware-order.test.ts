import { afterEach, describe, expect, it } from 'vitest';
import type { Logger } from '../src/core/logger.js';
import { createGatewayApp } from '../src/server/create-gateway-app.js';
import type { GatewayApp } from '../src/server/gateway-app.js';
import { createScriptedProvider } from '../src/testing/scripted-provider.js';
import { createCleanupStack } from './helpers/cleanup-stack.js';
import { jsonOf } from './helpers/gateway-client.js';
import { scriptedRuntime } from './helpers/scripted-runtime.js';

const cleanup = createCleanupStack();
afterEach(() => cleanup.run());

interface LoggedRequest {
  route: unknown;
  status: unknown;
}

/** A gateway that serves `gateway.internal` only (the host guard on), its request lines recorded. */
function guardedGateway(): { app: GatewayApp; requests: LoggedRequest[] } {
  const requests: LoggedRequest[] = [];
  const record = (message: string, details: Record<string, unknown> = {}): void => {
    if (message === 'request') requests.push({ route: details['route'], status: details['status'] });
  };
  const logger: Logger = { debug: record, info: record, warn: record, error: record };
  const app = cleanup.add(
    createGatewayApp({
      buildChatRuntime: scriptedRuntime(createScriptedProvider({ turns: [] })),
      logger,
      server: { allowedModels: [], allowedHosts: ['gateway.internal'] },
    }),
    (gateway) => gateway.close(),
  );
  return { app, requests };
}

/** `POST /chat` without a session, sent to `host`. */
const chatWithoutSession = (app: GatewayApp, host: string): Promise<Response> =>
  app.fetch(
    new Request(`http://${host}${app.prefix}/chat`, {
      method: 'POST',
      headers: { host, 'content-type': 'application/json' },
      body: JSON.stringify({ messages: [{ role: 'user', content: 'hi' }] }),
    }),
  );

describe('the checks in front of a chat, in order', () => {
  it('answers a chat without a session 401 on a served host, and logs it', async () => {
    const { app, requests } = guardedGateway();
    const response = await chatWithoutSession(app, 'gateway.internal');
    expect(response.status).toBe(401);
    expect(response.headers.get('connection')).toBeNull();
    expect(requests).toEqual([{ route: '/api/chat', status: 401 }]);
  });

  it('refuses a misdirected chat (421) before looking at its session, and logs the 421', async () => {
    const { app, requests } = guardedGateway();
    const response = await chatWithoutSession(app, 'evil.example.test');
    expect(response.status).toBe(421);
    expect(await jsonOf(response)).toEqual({
      detail:
        'Misdirected Request: unknown Host evil.example.test (serve it by adding it to server.allowedHosts)',
    });
    expect(requests).toEqual([{ route: '/*', status: 421 }]);
  });

  it('refuses a chat while closing (503) before looking at its session, asking to close the connection', async () => {
    const { app, requests } = guardedGateway();
    await app.start();
    await app.close();
    const response = await chatWithoutSession(app, 'gateway.internal');
    expect(response.status).toBe(503);
    expect(await jsonOf(response)).toEqual({ detail: 'Gateway is shutting down' });
    expect(response.headers.get('connection')).toBe('close');
    expect(requests).toEqual([{ route: '/api/chat', status: 503 }]);
  });

  it('refuses a misdirected chat while closing with the 421, asking to close the connection', async () => {
    const { app, requests } = guardedGateway();
    await app.start();
    await app.close();
    const response = await chatWithoutSession(app, 'evil.example.test');
    expect(response.status).toBe(421);
    expect(response.headers.get('connection')).toBe('close');
    expect(requests).toEqual([{ route: '/*', status: 421 }]);
  });
});
