import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { startForgetfulHttpMcpServer } from './__fixtures__/forgetful-http-mcp-server.js';
import type { ForgetfulHttpMcpServer } from './__fixtures__/forgetful-http-mcp-server.js';
import { startEverythingHttp } from './__fixtures__/real-mcp-servers.js';
import type { EverythingHttpServer } from './__fixtures__/real-mcp-servers.js';
import { createRecordingMcpLogger } from './__fixtures__/recording-mcp-logger.js';
import { createMcpClientManager } from './create-mcp-client-manager.js';
import type { McpClientManager } from './create-mcp-client-manager.js';

const never = (): AbortSignal => new AbortController().signal;

describe('MCP manager with server-everything over HTTP', () => {
  let streamable: EverythingHttpServer;
  let sse: EverythingHttpServer;
  let manager: McpClientManager;

  beforeAll(async () => {
    [streamable, sse] = await Promise.all([
      startEverythingHttp('streamableHttp'),
      startEverythingHttp('sse'),
    ]);
    manager = createMcpClientManager({
      configPath: null,
      servers: {
        remote: { type: 'http', url: streamable.url },
        legacy: { type: 'sse', url: sse.url, toolPrefix: 'legacy_' },
      },
      logger: createRecordingMcpLogger().logger,
    });
    await manager.start();
  });

  afterAll(async () => {
    await manager.close();
    await Promise.all([streamable.close(), sse.close()]);
  });

  it('lists tools over Streamable HTTP and SSE', () => {
    expect(manager.getServerNames()).toEqual(['remote', 'legacy']);
    expect(manager.getServerForTool('echo')).toBe('remote');
    expect(manager.getServerForTool('legacy_echo')).toBe('legacy');
  });

  it('calls tools over both transports, using the real name behind a prefix', async () => {
    expect(await manager.callTool('get-sum', { a: 1, b: 2 }, never())).toEqual({
      ok: true,
      result: { text: 'The sum of 1 and 2 is 3.' },
      server: 'remote',
    });
    expect(await manager.callTool('get-structured-content', { location: 'Chicago' }, never())).toEqual({
      ok: true,
      result: { temperature: 36, conditions: 'Light rain / drizzle', humidity: 82 },
      server: 'remote',
    });
    expect(await manager.callTool('legacy_echo', { message: 'old school' }, never())).toEqual({
      ok: true,
      result: { text: 'Echo: old school' },
      server: 'legacy',
    });
  });
});

describe('MCP manager with an HTTP server that loses sessions', () => {
  let server: ForgetfulHttpMcpServer;

  beforeAll(async () => {
    server = await startForgetfulHttpMcpServer(() => {
      const mcp = new McpServer({ name: 'forgetful', version: '1.0.0' });
      mcp.registerTool('shout', { inputSchema: { text: z.string() } }, ({ text }) => ({
        content: [{ type: 'text', text: text.toUpperCase() }],
      }));
      return mcp;
    });
  });
  afterAll(async () => {
    await server.close();
  });

  it('re-initialises once after a 404 and retries the call', async () => {
    const recording = createRecordingMcpLogger();
    const manager = createMcpClientManager({
      configPath: null,
      servers: { forgetful: { type: 'http', url: server.url, headers: { authorization: 'Bearer t0ken' } } },
      logger: recording.logger,
    });
    try {
      await manager.start();
      expect(server.initialisations).toBe(1);
      await server.forgetSessions();

      expect(await manager.callTool('shout', { text: 'hello' }, never())).toEqual({
        ok: true,
        result: { text: 'HELLO' },
        server: 'forgetful',
      });
      expect(server.initialisations).toBe(2);
      expect(new Set(server.authorizations)).toEqual(new Set(['Bearer t0ken']));
      expect(recording.text()).toContain("MCP server 'forgetful' no longer knows our session");
    } finally {
      await manager.close();
    }
  });
});
