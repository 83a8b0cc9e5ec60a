import { request as httpRequest } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { createGatewayApp } from '../src/server/create-gateway-app.js';
import { createScriptedProvider } from '../src/testing/scripted-provider.js';
import { textTurn } from '../src/testing/scripted-turn.js';
import { createCleanupStack } from './helpers/cleanup-stack.js';
import { jsonOf } from './helpers/gateway-client.js';
import { scriptedRuntime } from './helpers/scripted-runtime.js';
import { startMockAgent } from './helpers/start-mock-agent.js';

const cleanup = createCleanupStack();
afterEach(() => cleanup.run());

const evilOrigin = 'http://evil.example.test';

/** A raw HTTP/1.1 request with a Host header of our choosing (fetch would not let us set it). */
function requestWithHost(
  url: string,
  host: string,
  body?: string,
): Promise<{ status: number; text: string }> {
  const target = new URL(url);
  return new Promise((resolve, reject) => {
    const outgoing = httpRequest(
      {
        host: target.hostname,
        port: target.port,
        path: target.pathname,
        method: body === undefined ? 'GET' : 'POST',
        headers: { host, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      },
      (incoming) => {
        let text = '';
        incoming.setEncoding('utf8');
        incoming.on('data', (chunk: string) => (text += chunk));
        incoming.on('end', () => resolve({ status: incoming.statusCode ?? 0, text }));
      },
    );
    outgoing.on('error', reject);
    outgoing.end(body);
  });
}

describe('a gateway on a developer machine is not reachable from web pages', () => {
  it('gives no cross-origin access by default in createAgent', async () => {
    const { gateway } = await startMockAgent(cleanup);
    const preflight = await fetch(`${gateway.baseUrl}/chat/init`, {
      method: 'OPTIONS',
      headers: { origin: evilOrigin, 'access-control-request-method': 'POST' },
    });
    expect(preflight.headers.get('access-control-allow-origin')).toBeNull();
    const health = await gateway.get('/health', { headers: { origin: evilOrigin } });
    expect(health.headers.get('access-control-allow-origin')).toBeNull();
  });

  it('gives no cross-origin access by default in createGatewayApp', async () => {
    const app = createGatewayApp({
      buildChatRuntime: scriptedRuntime(createScriptedProvider({ turns: [textTurn('x')] })),
      server: {
        allowedModels: [],
      },
    });
    const server = cleanup.add(await app.listen({ port: 0 }), () => app.close());
    const preflight = await fetch(`${server.url}/api/chat/init`, {
      method: 'OPTIONS',
      headers: { origin: 'http://localhost:3002', 'access-control-request-method': 'POST' },
    });
    expect(preflight.headers.get('access-control-allow-origin')).toBeNull();
  });

  it('refuses a POST body that is not application/json with 415 (a form or text/plain CSRF)', async () => {
    const { gateway } = await startMockAgent(cleanup);
    for (const contentType of ['text/plain', 'application/x-www-form-urlencoded', undefined]) {
      const response = await fetch(`${gateway.baseUrl}/chat/init`, {
        method: 'POST',
        headers: contentType === undefined ? {} : { 'content-type': contentType },
        body: JSON.stringify({ api_key: 'from-a-web-page' }),
      });
      expect(response.status).toBe(415);
      expect(await jsonOf(response)).toEqual({ detail: 'Content-Type must be application/json' });
    }
    const withCharset = await gateway.post(
      '/chat/init',
      { api_key: 'k' },
      {
        headers: { 'content-type': 'application/json; charset=utf-8' },
      },
    );
    expect(withCharset.status).toBe(200);
  });

  it('answers 421 to a Host that is not a loopback name when listening on loopback (DNS rebinding)', async () => {
    const { gateway } = await startMockAgent(cleanup);
    const rebound = await requestWithHost(`${gateway.baseUrl}/health`, 'attacker.example.test');
    expect(rebound.status).toBe(421);
    expect(JSON.parse(rebound.text)).toEqual({
      detail:
        'Misdirected Request: unknown Host attacker.example.test (serve it by adding it to server.allowedHosts)',
    });
    const init = await requestWithHost(
      `${gateway.baseUrl}/chat/init`,
      'attacker.example.test:8000',
      '{"api_key":"k"}',
    );
    expect(init.status).toBe(421);

    for (const host of ['localhost', 'localhost:8000', '127.0.0.1:1234', '[::1]:8000', 'LOCALHOST']) {
      expect((await requestWithHost(`${gateway.baseUrl}/health`, host)).status).toBe(200);
    }
  });

  it('serves the Host names listed in allowedHosts', async () => {
    const { gateway } = await startMockAgent(cleanup, {
      agent: {
        server: {
          allowedHosts: ['gateway.internal'],
        },
      },
    });
    expect((await requestWithHost(`${gateway.baseUrl}/health`, 'gateway.internal:8000')).status).toBe(200);
    expect((await requestWithHost(`${gateway.baseUrl}/health`, 'other.internal')).status).toBe(421);
  });
});
