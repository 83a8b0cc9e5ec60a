import { afterEach, describe, expect, it, vi } from 'vitest';
import { createAgent } from '../src/server/assembly/create-agent.js';
import { createMockUpstream } from '../src/testing/mock-upstream/mock-upstream.js';
import { textTurn } from '../src/testing/scripted-turn.js';
import { createCleanupStack } from './helpers/cleanup-stack.js';
import { freePort } from './helpers/free-port.js';
import { createHttpGatewayClient, jsonOf, type HttpGatewayClient } from './helpers/gateway-client.js';
import { startLocalJwksIssuer, type LocalJwksIssuer } from './helpers/local-jwks-issuer.js';
import { readAllSseFrames, textOf } from './helpers/sse-reader.js';

const cleanup = createCleanupStack();
afterEach(async () => {
  vi.useRealTimers();
  await cleanup.run();
});

const API_AUDIENCE = 'api://gateway';

interface SurfaceGateway {
  gateway: HttpGatewayClient;
  issuer: LocalJwksIssuer;
  mcpUrl: string;
}

/** A gateway whose JWT audiences are a REST audience and its own MCP endpoint. */
async function startGateway(jwt: Record<string, unknown> = {}): Promise<SurfaceGateway> {
  const issuer = cleanup.add(await startLocalJwksIssuer(), (server) => server.close());
  const upstream = cleanup.add(
    await createMockUpstream({
      anthropic: Array.from({ length: 4 }, (_, index) => textTurn(`answer ${index}`)),
    }),
    (server) => server.close(),
  );
  const port = await freePort();
  const mcpUrl = `http://127.0.0.1:${port}/api/mcp`;
  const app = createAgent({
    systemPrompt: 'You are a test agent.',
    provider: 'anthropic',
    apiKey: 'test-key',
    providerConfig: { baseURL: upstream.url },
    server: {
      mcp: true,
      auth: { apiKeys: false, jwt: { issuer: issuer.issuer, audience: [API_AUDIENCE, mcpUrl], ...jwt } },
    },
  });
  const server = await app.listen({ port, host: '127.0.0.1' });
  cleanup.add(server, async () => {
    await app.close();
    await server.close();
  });
  return { gateway: createHttpGatewayClient(`${server.url}/api`), issuer, mcpUrl };
}

/** An MCP `initialize` (the first request of a host), with `token` as the bearer. */
const mcpInitialize = async (gateway: HttpGatewayClient, token: string): Promise<number> => {
  const response = await gateway.post(
    '/mcp',
    {
      jsonrpc: '2.0',
      id: 1,
      method: 'initialize',
      params: { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 't', version: '1' } },
    },
    { token, headers: { accept: 'application/json, text/event-stream' } },
  );
  await response.body?.cancel();
  return response.status;
};

describe('JWT audiences bound to surfaces', () => {
  it('refuses a token for the MCP resource on the REST API (chat and /chat/init)', async () => {
    const { gateway, issuer, mcpUrl } = await startGateway();
    const mcpOnly = await issuer.sign({ iss: issuer.issuer, aud: mcpUrl, sub: 'alice' });
    expect(await mcpInitialize(gateway, mcpOnly)).toBe(200);

    const chat = await gateway.chat(mcpOnly, 'read my history');
    expect(chat.status).toBe(401);
    expect(await jsonOf(chat)).toHaveProperty('detail');
    expect((await gateway.post('/chat/init', {}, { token: mcpOnly })).status).toBe(401);
  });

  it('refuses on /api/mcp a session made from a token for the REST API', async () => {
    const { gateway, issuer } = await startGateway();
    const restToken = await issuer.sign({ iss: issuer.issuer, aud: API_AUDIENCE, sub: 'alice' });
    const init = await gateway.post('/chat/init', {}, { token: restToken });
    expect(init.status).toBe(200);
    const { session_token: sessionToken } = await jsonOf(init);
    expect(await mcpInitialize(gateway, sessionToken as string)).toBe(401);
    const chat = await gateway.chat(sessionToken as string, 'hello');
    expect(chat.status).toBe(200);
    expect(textOf(await readAllSseFrames(chat))).toBe('answer 0');
  });

  it('accepts one token on both surfaces when sameTokenForRestAndMcp says so', async () => {
    const { gateway, issuer, mcpUrl } = await startGateway({ sameTokenForRestAndMcp: true });
    const mcpOnly = await issuer.sign({ iss: issuer.issuer, aud: mcpUrl, sub: 'alice' });
    const chat = await gateway.chat(mcpOnly, 'hello');
    expect(chat.status).toBe(200);
    expect(textOf(await readAllSseFrames(chat))).toBe('answer 0');
    const restToken = await issuer.sign({ iss: issuer.issuer, aud: API_AUDIENCE, sub: 'alice' });
    const { session_token: sessionToken } = await jsonOf(
      await gateway.post('/chat/init', {}, { token: restToken }),
    );
    expect(await mcpInitialize(gateway, sessionToken as string)).toBe(200);
  });

  it('ends a session made from a JWT no later than the JWT, and refuses it after', async () => {
    const { gateway, issuer } = await startGateway();
    const exp = Math.floor(Date.now() / 1000) + 2;
    const restToken = await issuer.sign(
      { iss: issuer.issuer, aud: API_AUDIENCE, sub: 'alice' },
      { expiresIn: exp },
    );
    const init = await gateway.post('/chat/init', {}, { token: restToken });
    expect(init.status).toBe(200);
    const { session_token: sessionToken, expires_at: expiresAt } = await jsonOf(init);
    expect(expiresAt).toBeLessThanOrEqual(exp);
    // The gateway's clock is the real one: wait for the token's end.
    while (Date.now() < exp * 1000) await new Promise((resolve) => setTimeout(resolve, 100));
    const late = await gateway.chat(sessionToken as string, 'hello');
    expect(late.status).toBe(401);
    expect(await jsonOf(late)).toEqual({ detail: 'Session expired' });
  });
});
