import { request as httpRequest } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { createAgent } from '../src/server/assembly/create-agent.js';
import type { CreateAgentOptions } from '../src/server/contracts/create-agent-options.js';
import { createCleanupStack } from './helpers/cleanup-stack.js';
import { startGatewayClient } from './helpers/gateway-client.js';

const cleanup = createCleanupStack();
afterEach(() => cleanup.run());

const agentWith = (server: NonNullable<CreateAgentOptions['server']> = {}) =>
  createAgent({
    systemPrompt: 'You are a test agent.',
    provider: 'anthropic',
    apiKey: 'test-key',
    providerConfig: { baseURL: 'http://127.0.0.1:9' },
    server,
  });

/** `POST /api/chat/init` from the loopback address `from` (127.0.0.0/8 is all this machine). */
const initFrom = (port: number, from: string, apiKey = 'any-key', forwardedFor?: string) =>
  new Promise<{ status: number; retryAfter: string | undefined; body: Record<string, unknown> }>(
    (resolve, reject) => {
      const body = JSON.stringify({ api_key: apiKey });
      const outgoing = httpRequest(
        {
          host: '127.0.0.1',
          port,
          localAddress: from,
          method: 'POST',
          path: '/api/chat/init',
          headers: {
            'content-type': 'application/json',
            'content-length': Buffer.byteLength(body),
            ...(forwardedFor === undefined ? {} : { 'x-forwarded-for': forwardedFor }),
          },
        },
        (incoming) => {
          let text = '';
          incoming.setEncoding('utf8');
          incoming.on('data', (chunk: string) => (text += chunk));
          incoming.on('end', () =>
            resolve({
              status: incoming.statusCode ?? 0,
              retryAfter: incoming.headers['retry-after'],
              body: JSON.parse(text) as Record<string, unknown>,
            }),
          );
        },
      );
      outgoing.on('error', reject);
      outgoing.end(body);
    },
  );

describe('a gateway without validApiKeys (an open demo)', () => {
  it('refuses to listen on a non-loopback address, naming validApiKeys and allowAnyApiKey', async () => {
    const app = cleanup.add(agentWith(), (built) => built.close());
    await expect(app.listen({ host: '0.0.0.0', port: 0 })).rejects.toThrow(
      /0\.0\.0\.0.*server\.validApiKeys.*server\.allowAnyApiKey: true/s,
    );
  });

  it('listens on a non-loopback address with allowAnyApiKey: true, or with validApiKeys', async () => {
    for (const server of [{ allowAnyApiKey: true }, { validApiKeys: ['issued-key'] }]) {
      const app = agentWith(server);
      const listening = await app.listen({ host: '0.0.0.0', port: 0 });
      cleanup.add(listening, async (opened) => {
        await app.close();
        await opened.close();
      });
      const health = await fetch(`http://127.0.0.1:${listening.port}/api/health`);
      expect(health.status).toBe(200);
    }
  });

  it('answers 429 to a flood of session inits from one address while another address still gets a session', async () => {
    const gateway = cleanup.add(
      await startGatewayClient(agentWith({ sessionRateLimit: { sessions: 5, windowMs: 60_000 } })),
      (client) => client.close(),
    );
    const port = gateway.server.port;
    for (let index = 0; index < 5; index += 1) {
      expect((await initFrom(port, '127.0.0.1', `flood-${index}`)).status).toBe(200);
    }
    const refused = await initFrom(port, '127.0.0.1', 'flood-6');
    expect(refused.status).toBe(429);
    expect(Number(refused.retryAfter)).toBeGreaterThan(0);
    expect(refused.body).toEqual({
      detail: 'Too many new sessions from this address (sessionRateLimit 5 per 60s); retry later',
    });
    expect((await initFrom(port, '127.0.0.2')).status).toBe(200);
  });

  it('counts session inits behind a trusted proxy by the client it forwards, not by the proxy', async () => {
    const gateway = cleanup.add(
      await startGatewayClient(
        agentWith({ sessionRateLimit: { sessions: 2, windowMs: 60_000 }, trustedProxies: ['127.0.0.5'] }),
      ),
      (client) => client.close(),
    );
    const port = gateway.server.port;
    for (let index = 0; index < 2; index += 1) {
      expect((await initFrom(port, '127.0.0.5', `a-${index}`, '198.51.100.1')).status).toBe(200);
    }
    expect((await initFrom(port, '127.0.0.5', 'a-3', '198.51.100.1')).status).toBe(429);
    // Another client behind the same proxy has a budget of its own.
    expect((await initFrom(port, '127.0.0.5', 'b-1', '198.51.100.2')).status).toBe(200);
    // A client that is not a trusted proxy cannot pick its address by the header.
    for (let index = 0; index < 2; index += 1) {
      expect((await initFrom(port, '127.0.0.6', `c-${index}`, `203.0.113.${index}`)).status).toBe(200);
    }
    expect((await initFrom(port, '127.0.0.6', 'c-3', '203.0.113.9')).status).toBe(429);
  });

  it('caps session inits per address by default', async () => {
    const gateway = cleanup.add(await startGatewayClient(agentWith()), (client) => client.close());
    const statuses: number[] = [];
    for (let index = 0; index < 61; index += 1) {
      statuses.push((await initFrom(gateway.server.port, '127.0.0.3', `key-${index}`)).status);
    }
    expect(statuses.filter((status) => status === 200)).toHaveLength(60);
    expect(statuses.at(-1)).toBe(429);
  });

  it('caps live sessions in total at maxSessions, for every address', async () => {
    const gateway = cleanup.add(await startGatewayClient(agentWith({ maxSessions: 3 })), (client) =>
      client.close(),
    );
    const port = gateway.server.port;
    for (const from of ['127.0.0.1', '127.0.0.2', '127.0.0.3']) {
      expect((await initFrom(port, from)).status).toBe(200);
    }
    for (const from of ['127.0.0.1', '127.0.0.4']) {
      const refused = await initFrom(port, from);
      expect(refused.status).toBe(503);
      expect(Number(refused.retryAfter)).toBeGreaterThan(0);
      expect(refused.body).toEqual({ detail: 'Too many live sessions (maxSessions 3); retry later' });
    }
  });
});
