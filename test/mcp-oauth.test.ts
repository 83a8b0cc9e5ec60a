import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { UnauthorizedError } from '@modelcontextprotocol/sdk/client/auth.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { afterEach, describe, expect, it } from 'vitest';
import { createAgent } from '../src/server/assembly/create-agent.js';
import { createMockUpstream } from '../src/testing/mock-upstream/mock-upstream.js';
import { textTurn } from '../src/testing/scripted-turn.js';
import { createCleanupStack } from './helpers/cleanup-stack.js';
import { freePort } from './helpers/free-port.js';
import { createHostAuthState } from './helpers/mcp-host-auth-state.js';
import { mcpResultText } from './helpers/mcp-result-text.js';
import { startOidcTestProvider } from './helpers/oidc-test-provider.js';

const cleanup = createCleanupStack();
afterEach(() => cleanup.run());

const REDIRECT_URL = 'http://127.0.0.1:9/oauth/callback';

describe('/api/mcp as an OAuth 2.1 resource server', () => {
  it('takes the MCP SDK client from a 401 through registration, code + PKCE and a resource-bound token to a tool call', async () => {
    const provider = cleanup.add(
      await startOidcTestProvider({ resourceScopes: 'agent:use', accountId: 'alice', tenant: 'acme' }),
      (server) => server.close(),
    );
    const upstream = cleanup.add(
      await createMockUpstream({ anthropic: [textTurn('Hello from the agent.')] }),
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
        mcp: { toolName: 'ask_agent' },
        auth: {
          apiKeys: false,
          jwt: { issuer: provider.issuer, audience: mcpUrl, requiredScopes: ['agent:use'] },
        },
      },
    });
    const server = await app.listen({ port, host: '127.0.0.1' });
    cleanup.add(server, async () => {
      await app.close();
      await server.close();
    });

    const host = createHostAuthState(REDIRECT_URL);
    const client = new Client({ name: 'oauth-test-host', version: '1.0.0' });
    const firstTransport = new StreamableHTTPClientTransport(new URL(mcpUrl), { authProvider: host });
    // No token yet: the gateway's 401 sends the SDK through discovery, registration and authorize.
    await expect(client.connect(firstTransport)).rejects.toBeInstanceOf(UnauthorizedError);
    const authorizationUrl = host.authorizationUrl;
    expect(authorizationUrl?.origin).toBe(provider.issuer);
    expect(authorizationUrl?.searchParams.get('resource')).toBe(mcpUrl);
    expect(authorizationUrl?.searchParams.get('code_challenge_method')).toBe('S256');
    expect(authorizationUrl?.searchParams.get('scope')).toBe('agent:use');

    // The person signs in and consents (driven in code); the provider redirects with a code.
    const callback = await provider.authorize(authorizationUrl as URL);
    const code = callback.searchParams.get('code');
    expect(callback.origin + callback.pathname).toBe(REDIRECT_URL);
    await firstTransport.finishAuth(code as string);
    const accessToken = host.saved?.access_token ?? '';
    const claims = JSON.parse(Buffer.from(accessToken.split('.')[1] ?? '', 'base64url').toString()) as Record<
      string,
      unknown
    >;
    expect(claims).toMatchObject({ iss: provider.issuer, aud: mcpUrl, sub: 'alice', scope: 'agent:use' });

    await client.connect(new StreamableHTTPClientTransport(new URL(mcpUrl), { authProvider: host }));
    const result = await client.callTool({ name: 'ask_agent', arguments: { message: 'Say hello' } });
    expect(mcpResultText(result)).toBe('Hello from the agent.');
    await client.close();
  });
});
