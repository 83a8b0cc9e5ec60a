import { connect as netConnect, type AddressInfo } from 'node:net';
import { createServer as createTlsServer } from 'node:tls';
import { createServer as createHttpServer } from 'node:http';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { postJson } from '../src/agent/post-json.js';
import { createAgent } from '../src/server/assembly/create-agent.js';
import { createMockUpstream } from '../src/testing/mock-upstream/mock-upstream.js';
import { textTurn, toolCallTurn } from '../src/testing/scripted-turn.js';
import { a2aAgentTool } from '../src/tools/a2a/a2a-agent-tool.js';
import { gatewaySessionHeaders } from '../src/tools/a2a/gateway-session-headers.js';
import { startEverythingHttp } from '../src/tools/mcp/__fixtures__/real-mcp-servers.js';
import { createMcpTransport } from '../src/tools/mcp/create-mcp-transport.js';
import { createCleanupStack } from './helpers/cleanup-stack.js';
import { startConnectProxy, type ConnectProxy } from './helpers/connect-proxy.js';
import { startGatewayClient } from './helpers/gateway-client.js';
import { selfSignedCertificate } from './helpers/self-signed-certificate.js';
import { eventsOf, readAllSseFrames, textOf } from './helpers/sse-reader.js';
import { startMockAgent } from './helpers/start-mock-agent.js';

/*
 * Outbound calls behind an egress proxy: model calls, MCP over HTTP and A2A go through the
 * CONNECT proxy that HTTP_PROXY / HTTPS_PROXY name (undici's EnvHttpProxyAgent), except to the
 * hosts NO_PROXY lists; webhooks never do, so that their address checks hold.
 */

const cleanup = createCleanupStack();
afterEach(async () => {
  await cleanup.run();
  vi.unstubAllEnvs();
});

const PROXY_VARIABLES = ['http_proxy', 'HTTP_PROXY', 'https_proxy', 'HTTPS_PROXY', 'no_proxy', 'NO_PROXY'];

/** Starts the counting proxy and names it in the environment (`HTTP_PROXY` or `HTTPS_PROXY`). */
async function proxyIn(variable: 'HTTP_PROXY' | 'HTTPS_PROXY', noProxy = ''): Promise<ConnectProxy> {
  const proxy = cleanup.add(await startConnectProxy(), (started) => started.close());
  for (const name of PROXY_VARIABLES) vi.stubEnv(name, undefined);
  vi.stubEnv(variable, proxy.url);
  if (noProxy !== '') vi.stubEnv('NO_PROXY', noProxy);
  return proxy;
}

const hostOf = (url: string): string => new URL(url).host;

describe('model calls behind an egress proxy', () => {
  it.each(['anthropic', 'openai'] as const)(
    'a %s chat succeeds through the CONNECT proxy HTTP_PROXY names',
    async (flavor) => {
      const proxy = await proxyIn('HTTP_PROXY');
      const { upstream, gateway } = await startMockAgent(cleanup, {
        flavor,
        turns: [textTurn('Hello through the proxy.')],
      });
      const session = await gateway.openSession();
      const frames = await readAllSseFrames(await gateway.chat(session.token, 'Hi'));
      expect(textOf(frames)).toBe('Hello through the proxy.');
      expect(proxy.tunnels).toContain(hostOf(upstream.url));
      expect(proxy.refused).toEqual([]);
    },
  );

  it('does not use the proxy for a host NO_PROXY lists', async () => {
    const proxy = await proxyIn('HTTP_PROXY', 'localhost,127.0.0.1');
    const { gateway } = await startMockAgent(cleanup, { turns: [textTurn('Hello directly.')] });
    const session = await gateway.openSession();
    const frames = await readAllSseFrames(await gateway.chat(session.token, 'Hi'));
    expect(textOf(frames)).toBe('Hello directly.');
    expect(proxy.tunnels).toEqual([]);
  });

  it('a chat to an https model succeeds through the CONNECT proxy HTTPS_PROXY names', async () => {
    const upstream = cleanup.add(
      await createMockUpstream({ anthropic: [textTurn('Hello over TLS.')] }),
      (mock) => mock.close(),
    );
    // TLS in front of the mock model: the tunnel carries TLS end to end, as to api.anthropic.com.
    const { key, cert } = selfSignedCertificate();
    const front = createTlsServer({ key, cert }, (socket) => {
      const target = netConnect(Number(new URL(upstream.url).port), '127.0.0.1');
      socket.pipe(target).pipe(socket);
      for (const end of [socket, target]) end.on('error', () => undefined);
    });
    await new Promise<void>((resolve) => front.listen(0, '127.0.0.1', resolve));
    cleanup.add(front, (server) => new Promise<void>((resolve) => server.close(() => resolve())));
    const baseURL = `https://localhost:${(front.address() as AddressInfo).port}`;
    const proxy = await proxyIn('HTTPS_PROXY');
    // The certificate is the test's own; trusting it is what an operator's CA bundle does.
    vi.stubEnv('NODE_TLS_REJECT_UNAUTHORIZED', '0');
    const app = createAgent({
      systemPrompt: 'You are a test agent.',
      provider: 'anthropic',
      apiKey: 'test-key',
      providerConfig: { baseURL },
    });
    const gateway = cleanup.add(await startGatewayClient(app), (client) => client.close());
    const session = await gateway.openSession();
    const frames = await readAllSseFrames(await gateway.chat(session.token, 'Hi'));
    expect(textOf(frames)).toBe('Hello over TLS.');
    expect(proxy.tunnels).toEqual([hostOf(baseURL)]);
  });
});

describe('tool calls behind an egress proxy', () => {
  it('reaches an MCP server over Streamable HTTP through the proxy', async () => {
    const server = cleanup.add(await startEverythingHttp('streamableHttp'), (started) => started.close());
    const proxy = await proxyIn('HTTP_PROXY');
    const client = new Client({ name: 'egress-proxy-test', version: '1.0.0' });
    await client.connect(await createMcpTransport({ type: 'http', url: server.url }));
    cleanup.add(client, (connected) => connected.close());
    const { tools } = await client.listTools();
    expect(tools.length).toBeGreaterThan(0);
    expect(proxy.tunnels).toContain(hostOf(server.url));
  });

  it('asks another gateway over A2A through the proxy, session exchange included', async () => {
    const two = await startMockAgent(cleanup, {
      turns: [textTurn('Agent two says 42.')],
      agent: { server: { a2a: true } },
    });
    const proxy = await proxyIn('HTTP_PROXY');
    const one = await startMockAgent(cleanup, {
      turns: [
        toolCallTurn('ask_agent_two', { message: 'What is the answer?' }, { id: 'call_two' }),
        textTurn('Done.'),
      ],
      agent: {
        tools: [
          a2aAgentTool({
            name: 'ask_agent_two',
            description: 'Asks agent two',
            url: new URL(two.gateway.baseUrl).origin,
            headers: gatewaySessionHeaders({ baseUrl: two.gateway.baseUrl, apiKey: 'test-client-key' }),
          }),
        ],
      },
    });
    const session = await one.gateway.openSession();
    const events = eventsOf(await readAllSseFrames(await one.gateway.chat(session.token, 'Ask two')));
    expect(events.find((event) => event.type === 'tool_call_complete')).toMatchObject({
      error: null,
      result: { answer: 'Agent two says 42.' },
    });
    expect(proxy.tunnels).toContain(hostOf(two.gateway.baseUrl));
    expect(proxy.tunnels).toContain(hostOf(one.upstream.url));
  });
});

describe('webhooks behind an egress proxy', () => {
  it('connect directly, never through the proxy, and keep refusing a private address', async () => {
    const received: string[] = [];
    const receiver = createHttpServer((request, response) => {
      received.push(request.url ?? '');
      response.end('ok');
    });
    await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
    cleanup.add(receiver, (server) => new Promise<void>((resolve) => server.close(() => resolve())));
    const url = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hook`;
    const proxy = await proxyIn('HTTP_PROXY');
    vi.stubEnv('HTTPS_PROXY', proxy.url);
    const post = (allowedHosts: string[]) =>
      postJson({
        url,
        body: {},
        timeoutMs: 5_000,
        description: 'test webhook',
        addressPolicy: { allowedHosts },
      });
    await expect(post([])).rejects.toThrow(/non-public address/);
    await post([hostOf(url)]);
    expect(received).toEqual(['/hook']);
    expect(proxy.tunnels).toEqual([]);
    expect(proxy.refused).toEqual([]);
  });
});
