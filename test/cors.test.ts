import { afterEach, describe, expect, it } from 'vitest';
import { createGatewayApp } from '../src/server/create-gateway-app.js';
import { createScriptedProvider } from '../src/testing/scripted-provider.js';
import { textTurn } from '../src/testing/scripted-turn.js';
import { createCleanupStack } from './helpers/cleanup-stack.js';
import { startGatewayClient, type GatewayClient } from './helpers/gateway-client.js';
import { readAllSseFrames } from './helpers/sse-reader.js';
import { scriptedRuntime } from './helpers/scripted-runtime.js';
import { startMockAgent } from './helpers/start-mock-agent.js';

const cleanup = createCleanupStack();
afterEach(() => cleanup.run());

const allowedOrigin = 'http://app.example.test';
const otherOrigin = 'http://evil.example.test';

/** Sends the preflight a browser sends before a credentialed JSON POST to /chat. */
const preflight = (gateway: GatewayClient, origin: string) =>
  fetch(`${gateway.baseUrl}/chat`, {
    method: 'OPTIONS',
    headers: {
      origin,
      'access-control-request-method': 'POST',
      'access-control-request-headers': 'authorization,content-type',
    },
  });

async function startGatewayWithOrigins(corsOrigins: string[] | undefined) {
  const provider = createScriptedProvider({ turns: [textTurn('cors ok')] });
  const app = createGatewayApp({
    buildChatRuntime: scriptedRuntime(provider),
    server: {
      allowedModels: [],
      ...(corsOrigins === undefined ? {} : { cors: { origins: corsOrigins } }),
    },
  });
  return cleanup.add(await startGatewayClient(app), (client) => client.close());
}

describe('CORS', () => {
  it('answers a preflight from an allowed origin with the allowed methods and headers', async () => {
    const gateway = await startGatewayWithOrigins([allowedOrigin]);
    const response = await preflight(gateway, allowedOrigin);
    expect(response.status).toBe(204);
    expect(response.headers.get('access-control-allow-origin')).toBe(allowedOrigin);
    expect(response.headers.get('access-control-allow-methods')?.split(',')).toContain('POST');
    const allowedHeaders =
      response.headers.get('access-control-allow-headers')?.toLowerCase().split(',') ?? [];
    expect(allowedHeaders).toEqual(expect.arrayContaining(['authorization', 'content-type']));
    expect(response.headers.get('access-control-allow-credentials')).toBeNull();
  });

  it('does not allow an origin that is not configured', async () => {
    const gateway = await startGatewayWithOrigins([allowedOrigin]);
    const response = await preflight(gateway, otherOrigin);
    expect(response.headers.get('access-control-allow-origin')).toBeNull();
    const health = await gateway.get('/health', { headers: { origin: otherOrigin } });
    expect(health.status).toBe(200);
    expect(health.headers.get('access-control-allow-origin')).toBeNull();
  });

  it('allows no origin by default in createGatewayApp', async () => {
    const gateway = await startGatewayWithOrigins(undefined);
    const local = await preflight(gateway, 'http://localhost:3002');
    expect(local.headers.get('access-control-allow-origin')).toBeNull();
    const other = await preflight(gateway, otherOrigin);
    expect(other.headers.get('access-control-allow-origin')).toBeNull();
  });

  it('puts the CORS header on streams and error responses of an allowed origin', async () => {
    const gateway = await startGatewayWithOrigins([allowedOrigin]);
    const unauthorized = await gateway.post(
      '/chat',
      { messages: [] },
      { headers: { origin: allowedOrigin } },
    );
    expect(unauthorized.status).toBe(401);
    expect(unauthorized.headers.get('access-control-allow-origin')).toBe(allowedOrigin);

    const session = await gateway.openSession();
    const stream = await gateway.chat(session.token, 'hi', { headers: { origin: allowedOrigin } });
    expect(stream.status).toBe(200);
    expect(stream.headers.get('access-control-allow-origin')).toBe(allowedOrigin);
    await readAllSseFrames(stream);
  });

  it('allows any origin in createAgent with cors.origins ["*"]', async () => {
    const { gateway } = await startMockAgent(cleanup, {
      agent: {
        server: {
          cors: { origins: ['*'] },
        },
      },
    });
    const response = await preflight(gateway, otherOrigin);
    expect(response.status).toBe(204);
    expect(response.headers.get('access-control-allow-origin')).toBe('*');
    const health = await gateway.get('/health', { headers: { origin: otherOrigin } });
    expect(health.headers.get('access-control-allow-origin')).toBe('*');
  });

  it('allows no origin in createAgent when cors.origins is explicitly empty', async () => {
    const { gateway } = await startMockAgent(cleanup, {
      agent: {
        server: {
          cors: { origins: [] },
        },
      },
    });
    const response = await preflight(gateway, otherOrigin);
    expect(response.headers.get('access-control-allow-origin')).toBeNull();
  });
});
