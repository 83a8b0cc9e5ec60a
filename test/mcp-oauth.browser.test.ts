import { existsSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { UnauthorizedError } from '@modelcontextprotocol/sdk/client/auth.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { chromium, type Browser } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createAgent } from '../src/server/assembly/create-agent.js';
import { createMockUpstream } from '../src/testing/mock-upstream/mock-upstream.js';
import { textTurn } from '../src/testing/scripted-turn.js';
import { createCleanupStack } from './helpers/cleanup-stack.js';
import { freePort } from './helpers/free-port.js';
import { createHostAuthState } from './helpers/mcp-host-auth-state.js';
import { mcpResultText } from './helpers/mcp-result-text.js';
import { startOidcTestProvider } from './helpers/oidc-test-provider.js';

/*
 * The OAuth flow of the MCP authorization spec once in a real browser (issue 46): the MCP SDK
 * client meets the gateway's 401, registers at the test provider and sends the person to its
 * authorization URL; Debian's chromium (playwright-core, nothing downloaded) signs in and
 * consents on the provider's pages and lands on the host's callback with the code; the SDK
 * swaps it (PKCE) for a token bound to /api/mcp, which the gateway accepts for a tool call.
 */

const chromiumPath = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const cleanup = createCleanupStack();
afterEach(() => cleanup.run());
let browser: Browser;

/** The MCP host's redirect target on 127.0.0.1: it keeps every URL the browser lands on. */
async function startCallbackServer(): Promise<{ url: string; landed: URL[]; close: () => Promise<void> }> {
  const landed: URL[] = [];
  const server: Server = createServer((request, response) => {
    landed.push(new URL(request.url ?? '/', 'http://127.0.0.1'));
    response.writeHead(200, { 'content-type': 'text/html' }).end('<h1 id="done">Signed in</h1>');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/oauth/callback`,
    landed,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

describe.skipIf(!existsSync(chromiumPath))('/api/mcp OAuth sign-in in a real browser', () => {
  beforeAll(async () => {
    browser = await chromium.launch({ executablePath: chromiumPath, args: ['--no-sandbox'] });
  });
  afterAll(async () => {
    await browser?.close();
  });

  it('signs in and consents on the provider pages in chromium, and the MCP SDK client calls a tool with the token', async () => {
    const provider = cleanup.add(
      await startOidcTestProvider({
        resourceScopes: 'agent:use',
        accountId: 'unused',
        tenant: 'acme',
        pages: true,
      }),
      (server) => server.close(),
    );
    const callback = cleanup.add(await startCallbackServer(), (server) => server.close());
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

    const host = createHostAuthState(callback.url);
    const client = new Client({ name: 'oauth-browser-host', version: '1.0.0' });
    const firstTransport = new StreamableHTTPClientTransport(new URL(mcpUrl), { authProvider: host });
    await expect(client.connect(firstTransport)).rejects.toBeInstanceOf(UnauthorizedError);
    const authorizationUrl = host.authorizationUrl;
    expect(authorizationUrl?.origin).toBe(provider.issuer);

    // The person: the provider's sign-in page, then its consent page, then back to the host.
    const page = cleanup.add(await browser.newPage(), (opened) => opened.close());
    await page.goto(String(authorizationUrl));
    await page.fill('#login', 'alice');
    await page.click('#sign-in');
    await page.waitForSelector('#allow');
    await page.click('#allow');
    await page.waitForSelector('#done');
    // The browser asks the host for a favicon too: the callback is the landing that matters.
    const landed = callback.landed.find((url) => url.pathname === '/oauth/callback');
    const code = landed?.searchParams.get('code') ?? '';
    expect(code).not.toBe('');

    await firstTransport.finishAuth(code);
    const accessToken = host.saved?.access_token ?? '';
    const claims = JSON.parse(Buffer.from(accessToken.split('.')[1] ?? '', 'base64url').toString()) as Record<
      string,
      unknown
    >;
    expect(claims).toMatchObject({ iss: provider.issuer, aud: mcpUrl, sub: 'alice', org_id: 'acme' });

    await client.connect(new StreamableHTTPClientTransport(new URL(mcpUrl), { authProvider: host }));
    const result = await client.callTool({ name: 'ask_agent', arguments: { message: 'Say hello' } });
    expect(mcpResultText(result)).toBe('Hello from the agent.');
    await client.close();
  });
});
