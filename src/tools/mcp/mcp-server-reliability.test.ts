import { InMemoryTransport } from '@modelcontextprotocol/sdk/inMemory.js';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createInMemoryMcpServer } from './__fixtures__/in-memory-mcp-server.js';
import { createRecordingMcpLogger } from './__fixtures__/recording-mcp-logger.js';
import { buildToolServer, createManagerPool } from './__fixtures__/tool-server.js';
import { createMcpClientManager } from './create-mcp-client-manager.js';
import type { McpClientManager } from './create-mcp-client-manager.js';
import type { McpClientManagerOptions } from './mcp-client-manager-options.js';

const never = (): AbortSignal => new AbortController().signal;
const pool = createManagerPool();
const startedManager = (options: McpClientManagerOptions): Promise<McpClientManager> => pool.start(options);

afterEach(async () => {
  await pool.closeAll();
});

describe('MCP server reliability (in-process servers)', () => {
  it('restarts a crashed server on the next call', async () => {
    const recording = createRecordingMcpLogger();
    const server = createInMemoryMcpServer(buildToolServer);
    const manager = await startedManager({ servers: { tools: server.config }, logger: recording.logger });

    await server.crash();
    expect(manager.getServerStatus().tools?.state).toBe('down');
    expect(manager.hasTool('echo_args')).toBe(true);
    expect(await manager.callTool('echo_args', { text: 'back' }, never())).toMatchObject({
      ok: true,
      result: { text: 'back' },
    });
    expect(server.connects).toBe(2);
    expect(manager.getServerStatus().tools).toMatchObject({ state: 'connected', restarts: 1 });
    expect(recording.text()).toContain("MCP server 'tools' stopped unexpectedly");
  });

  it('fails fast with server_restarting during the back-off after a failed restart, then retries', async () => {
    const server = createInMemoryMcpServer(buildToolServer);
    const manager = await startedManager({
      servers: { tools: server.config },
      restartBackoff: { initialMs: 200, maxMs: 200 },
    });
    await server.crash();
    server.failNextConnects(2);

    expect(await manager.callTool('echo_args', {}, never())).toMatchObject({
      ok: false,
      error: {
        code: 'mcp_tool_error',
        sub_code: 'server_restarting',
        message: expect.stringContaining('could not be restarted') as unknown,
      },
      server: 'tools',
    });
    // Within the back-off window no restart is attempted: the second refusal is still pending.
    expect(await manager.callTool('echo_args', {}, never())).toMatchObject({
      ok: false,
      error: {
        sub_code: 'server_restarting',
        message: expect.stringContaining('is restarting after a failure') as unknown,
      },
    });
    server.failNextConnects(0);
    await vi.waitFor(
      async () =>
        expect(await manager.callTool('echo_args', { text: 'up' }, never())).toMatchObject({ ok: true }),
      { timeout: 5_000, interval: 50 },
    );
    expect(server.connects).toBe(2);
  });

  it('backs off a server that keeps crashing right after each restart', async () => {
    const server = createInMemoryMcpServer(buildToolServer);
    const manager = await startedManager({
      servers: { tools: server.config },
      restartBackoff: { initialMs: 60_000 },
    });
    await server.crash();
    expect(await manager.callTool('echo_args', {}, never())).toMatchObject({ ok: true });
    await server.crash();
    expect(await manager.callTool('echo_args', {}, never())).toMatchObject({
      ok: false,
      error: { code: 'mcp_tool_error', sub_code: 'server_restarting' },
    });
    expect(server.connects).toBe(2);
  });

  it('lets concurrent calls share one restart', async () => {
    const server = createInMemoryMcpServer(buildToolServer);
    const manager = await startedManager({ servers: { tools: server.config } });
    await server.crash();
    const outcomes = await Promise.all(
      ['a', 'b', 'c'].map((text) => manager.callTool('echo_args', { text }, never())),
    );
    expect(outcomes.map((outcome) => outcome.ok)).toEqual([true, true, true]);
    expect(server.connects).toBe(2);
  });

  it('skips a server that fails to start without hiding the others', async () => {
    const recording = createRecordingMcpLogger();
    const broken = createInMemoryMcpServer(buildToolServer);
    broken.failNextConnects(1);
    const manager = await startedManager({
      servers: { broken: broken.config, good: createInMemoryMcpServer(buildToolServer).config },
      logger: recording.logger,
    });
    expect(manager.getServerNames()).toEqual(['good']);
    expect(manager.getServerStatus().broken).toMatchObject({ state: 'failed' });
    expect(manager.getServerForTool('echo_args')).toBe('good');
    expect(recording.text()).toContain("MCP server 'broken' skipped: it failed to start");
  });

  it('gives up on a server that does not answer within startupTimeoutMs', async () => {
    const recording = createRecordingMcpLogger();
    const manager = await startedManager({
      servers: {
        silent: {
          type: 'transport',
          // Nobody listens on the other end: initialise never gets an answer.
          createTransport: () => InMemoryTransport.createLinkedPair()[0],
        },
        good: createInMemoryMcpServer(buildToolServer).config,
      },
      startupTimeoutMs: 100,
      logger: recording.logger,
    });
    expect(manager.getServerNames()).toEqual(['good']);
    expect(recording.text()).toContain(
      "MCP server 'silent' skipped: it failed to start: did not start within 0.1s",
    );
  });

  it('connects once however often start() is called', async () => {
    const server = createInMemoryMcpServer(buildToolServer);
    const manager = createMcpClientManager({ configPath: null, servers: { tools: server.config } });
    pool.track(manager);
    await Promise.all([manager.start(), manager.start()]);
    await manager.start();
    expect(server.connects).toBe(1);
  });
});
