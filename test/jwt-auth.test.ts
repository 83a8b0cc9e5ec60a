import { createPublicKey, type JsonWebKey as NodeJsonWebKey } from 'node:crypto';
import { SignJWT, type JWK } from 'jose';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { Logger } from '../src/core/logger.js';
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

interface LoggedLine {
  message: string;
  details: Record<string, unknown>;
}

const recordingLogger = (lines: LoggedLine[]): Logger => {
  const record = (message: string, details: Record<string, unknown> = {}): void =>
    void lines.push({ message, details });
  return { debug: record, info: record, warn: record, error: record };
};

interface JwtGateway {
  gateway: HttpGatewayClient;
  issuer: LocalJwksIssuer;
  mcpUrl: string;
  /** The reasons of the refusals logged so far. */
  reasons: () => unknown[];
}

/** A gateway with `server.auth.jwt` on an issuer served on 127.0.0.1, listening on a known port. */
async function startJwtGateway(replies = 4, jwt: Record<string, unknown> = {}): Promise<JwtGateway> {
  const issuer = cleanup.add(await startLocalJwksIssuer(), (server) => server.close());
  const upstream = cleanup.add(
    await createMockUpstream({
      anthropic: Array.from({ length: replies }, (_, index) => textTurn(`answer ${index}`)),
    }),
    (server) => server.close(),
  );
  const port = await freePort();
  const mcpUrl = `http://127.0.0.1:${port}/api/mcp`;
  const lines: LoggedLine[] = [];
  const app = createAgent({
    systemPrompt: 'You are a test agent.',
    provider: 'anthropic',
    apiKey: 'test-key',
    providerConfig: { baseURL: upstream.url },
    logger: recordingLogger(lines),
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
  return {
    gateway: createHttpGatewayClient(`${server.url}/api`),
    issuer,
    mcpUrl,
    reasons: () =>
      lines.filter((line) => line.message === 'authentication refused').map((line) => line.details['reason']),
  };
}

const nowSeconds = (): number => Math.floor(Date.now() / 1000);

/** An unsigned token (`alg: none`) with the given claims. */
const unsignedToken = (claims: Record<string, unknown>): string =>
  `${Buffer.from(JSON.stringify({ alg: 'none', typ: 'JWT' })).toString('base64url')}.${Buffer.from(JSON.stringify(claims)).toString('base64url')}.`;

/** The classic key-confusion forgery: HS256 with the provider's public key (PEM) as the HMAC secret. */
const hmacWithPublicKey = (claims: Record<string, unknown>, jwk: JWK): Promise<string> => {
  const pem = createPublicKey({ key: jwk as NodeJsonWebKey, format: 'jwk' })
    .export({ type: 'spki', format: 'pem' })
    .toString();
  return new SignJWT(claims)
    .setProtectedHeader({ alg: 'HS256', kid: 'k1', typ: 'JWT' })
    .setExpirationTime('1h')
    .sign(new TextEncoder().encode(pem));
};

const expect401 = async (response: Response): Promise<void> => {
  expect(response.status).toBe(401);
  expect(await jsonOf(response)).toHaveProperty('detail');
};

describe('server.auth.jwt', () => {
  it('accepts a provider token on /api/chat without /chat/init, and /chat/init binds a session to it', async () => {
    const { gateway, issuer } = await startJwtGateway();
    const token = await issuer.sign({ iss: issuer.issuer, aud: API_AUDIENCE, sub: 'alice', org_id: 'acme' });
    const direct = await gateway.chat(token, 'hello');
    expect(direct.status).toBe(200);
    expect(textOf(await readAllSseFrames(direct))).toBe('answer 0');

    const init = await gateway.post('/chat/init', {}, { token });
    expect(init.status).toBe(200);
    const { session_token: sessionToken } = await jsonOf(init);
    expect(typeof sessionToken).toBe('string');
    const viaSession = await gateway.chat(sessionToken as string, 'again');
    expect(viaSession.status).toBe(200);
    expect(textOf(await readAllSseFrames(viaSession))).toBe('answer 1');

    // API keys are off: a key cannot open a session.
    expect((await gateway.post('/chat/init', { api_key: 'any-key' })).status).toBe(401);
  });

  it('refuses each bad token with 401 and its reason in the log, never a 500', async () => {
    const { gateway, issuer, reasons } = await startJwtGateway();
    const good = { iss: issuer.issuer, aud: API_AUDIENCE, sub: 'alice' };
    const cases: [string, string][] = [
      [await issuer.sign(good, { expiresIn: nowSeconds() - 120 }), 'expired'],
      [await issuer.sign({ ...good, nbf: nowSeconds() + 600 }), 'not yet valid'],
      [await issuer.sign({ ...good, iss: 'http://127.0.0.1:1/other' }), 'wrong issuer'],
      [await issuer.sign({ ...good, aud: 'api://someone-else' }), 'wrong audience'],
      [unsignedToken({ ...good, exp: nowSeconds() + 600 }), 'algorithm not allowed'],
      [await hmacWithPublicKey(good, issuer.publicJwk()), 'algorithm not allowed'],
      [await issuer.sign({ ...good, padding: 'x'.repeat(9000) }), 'token too large'],
      [await issuer.sign({ iss: issuer.issuer, aud: API_AUDIENCE }), 'the token has no subject'],
    ];
    for (const [token, reason] of cases) {
      await expect401(await gateway.chat(token, 'hello'));
      expect(reasons().at(-1), reason).toBe(reason);
    }
    expect(reasons()).toHaveLength(cases.length);
  });

  it('refetches the keys once for an unknown kid, then refuses; a rotated key works after the cooldown', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    const { gateway, issuer, reasons } = await startJwtGateway();
    const claims = { iss: issuer.issuer, aud: API_AUDIENCE, sub: 'alice' };
    const first = await gateway.chat(await issuer.sign(claims), 'hello');
    expect(first.status).toBe(200);
    await readAllSseFrames(first);
    expect(issuer.jwksFetches).toBe(1);

    vi.setSystemTime(Date.now() + 31_000);
    await issuer.addKey('k2', { publish: false });
    await expect401(await gateway.chat(await issuer.sign(claims, { kid: 'k2' }), 'hello'));
    expect(reasons().at(-1)).toBe('unknown key');
    expect(issuer.jwksFetches).toBe(2);
    // Within the cooldown a flood of unknown kids costs the provider nothing.
    await expect401(await gateway.chat(await issuer.sign(claims, { kid: 'k2' }), 'hello'));
    expect(issuer.jwksFetches).toBe(2);

    // The provider publishes its new key; after the cooldown one refetch finds it.
    await issuer.addKey('k2', { publish: true });
    vi.setSystemTime(Date.now() + 31_000);
    const rotated = await gateway.chat(await issuer.sign(claims, { kid: 'k2' }), 'hello');
    expect(rotated.status).toBe(200);
    await readAllSseFrames(rotated);
    expect(issuer.jwksFetches).toBe(3);
  });

  it('keeps verifying with the cached keys while the provider is down, and refuses anything else (fail closed)', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    const { gateway, issuer, reasons } = await startJwtGateway();
    const claims = { iss: issuer.issuer, aud: API_AUDIENCE, sub: 'alice' };
    const first = await gateway.chat(await issuer.sign(claims), 'hello');
    await readAllSseFrames(first);
    issuer.down = true;
    // Past the cache's age: the keys are fetched again, which fails; the cached ones still verify.
    vi.setSystemTime(Date.now() + 11 * 60_000);
    const during = await gateway.chat(await issuer.sign(claims), 'hello');
    expect(during.status).toBe(200);
    expect(textOf(await readAllSseFrames(during))).toBe('answer 1');
    await issuer.addKey('k3', { publish: true });
    await expect401(await gateway.chat(await issuer.sign(claims, { kid: 'k3' }), 'hello'));
    expect(reasons().at(-1)).toBe('unknown key');
  });

  it('refuses every token while the provider was never reachable, with 401', async () => {
    const { gateway, issuer, reasons } = await startJwtGateway();
    issuer.down = true;
    await expect401(
      await gateway.chat(await issuer.sign({ iss: issuer.issuer, aud: API_AUDIENCE, sub: 'a' }), 'hi'),
    );
    expect(String(reasons().at(-1))).toMatch(/^signing keys unavailable/);
  });

  it('on /api/mcp accepts only tokens whose audience is the MCP endpoint (RFC 8707), and says how to get one', async () => {
    const { gateway, issuer, mcpUrl, reasons } = await startJwtGateway();
    const initialize = (token: string) =>
      gateway.post(
        '/mcp',
        {
          jsonrpc: '2.0',
          id: 1,
          method: 'initialize',
          params: {
            protocolVersion: '2025-11-25',
            capabilities: {},
            clientInfo: { name: 't', version: '1' },
          },
        },
        { token, headers: { accept: 'application/json, text/event-stream' } },
      );
    const otherResource = await initialize(
      await issuer.sign({ iss: issuer.issuer, aud: API_AUDIENCE, sub: 'alice' }),
    );
    expect(otherResource.status).toBe(401);
    expect(otherResource.headers.get('www-authenticate')).toBe(
      `Bearer resource_metadata="${new URL(mcpUrl).origin}/.well-known/oauth-protected-resource/api/mcp"`,
    );
    expect(reasons().at(-1)).toBe('wrong audience');
    const ours = await initialize(await issuer.sign({ iss: issuer.issuer, aud: mcpUrl, sub: 'alice' }));
    expect(ours.status).toBe(200);
    await ours.body?.cancel();

    const metadata = await jsonOf(
      await fetch(`${new URL(mcpUrl).origin}/.well-known/oauth-protected-resource/api/mcp`),
    );
    expect(metadata).toMatchObject({ resource: mcpUrl, authorization_servers: [issuer.issuer] });
  });

  it('answers 403 insufficient_scope on /api/mcp to a token without the required scopes', async () => {
    const { gateway, issuer, mcpUrl } = await startJwtGateway(1, { requiredScopes: ['agent:use'] });
    const response = await gateway.post(
      '/mcp',
      { jsonrpc: '2.0', id: 1, method: 'ping' },
      {
        token: await issuer.sign({ iss: issuer.issuer, aud: mcpUrl, sub: 'alice', scope: 'profile' }),
        headers: { accept: 'application/json, text/event-stream' },
      },
    );
    expect(response.status).toBe(403);
    expect(await jsonOf(response)).toMatchObject({ code: 'insufficient_scope' });
    expect(response.headers.get('www-authenticate')).toMatch(
      /^Bearer error="insufficient_scope", scope="agent:use", resource_metadata="/,
    );
  });
});
