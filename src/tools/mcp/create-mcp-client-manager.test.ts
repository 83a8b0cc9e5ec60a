import { getEventListeners } from 'node:events';
import { Server } from '@modelcontextprotocol/sdk/server/index.js';
import { CallToolRequestSchema, ListToolsRequestSchema } from '@modelcontextprotocol/sdk/types.js';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { z } from 'zod';
import { isGatewayError } from '../../core/errors.js';
import { createToolDispatcher } from '../tool-dispatcher.js';
import { createInMemoryMcpServer } from './__fixtures__/in-memory-mcp-server.js';
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

describe('createMcpClientManager (in-process servers)', () => {
  it('lists every page of a paginating server', async () => {
    const pages = [['alpha', 'beta'], ['gamma'], ['delta']];
    const server = createInMemoryMcpServer(() => {
      const low = new Server({ name: 'pager', version: '1.0.0' }, { capabilities: { tools: {} } });
      low.setRequestHandler(ListToolsRequestSchema, (request) => {
        const index = Number(request.params?.cursor ?? '0');
        return {
          tools: (pages[index] ?? []).map((name) => ({ name, inputSchema: { type: 'object' as const } })),
          ...(index + 1 < pages.length ? { nextCursor: String(index + 1) } : {}),
        };
      });
      low.setRequestHandler(CallToolRequestSchema, (request) => ({
        content: [{ type: 'text', text: `called ${request.params.name}` }],
      }));
      return low;
    });
    const manager = await startedManager({ servers: { pager: server.config } });

    expect(manager.getToolDefinitions().map(({ name }) => name)).toEqual(['alpha', 'beta', 'gamma', 'delta']);
    expect(manager.getServerCatalog()).toEqual({
      pager: { tool_count: 4, tools: ['alpha', 'beta', 'gamma', 'delta'] },
    });
    expect(await manager.callTool('delta', {}, never())).toEqual({
      ok: true,
      result: { text: 'called delta' },
      server: 'pager',
    });
  });

  it('re-lists a server that announces tools/list_changed', async () => {
    const server = createInMemoryMcpServer(buildToolServer);
    const manager = await startedManager({ servers: { tools: server.config } });
    expect(manager.hasTool('late_tool')).toBe(false);

    server.current?.registerTool('late_tool', { description: 'Added later' }, () => ({
      content: [{ type: 'text', text: '"late"' }],
    }));

    await vi.waitFor(() => expect(manager.hasTool('late_tool')).toBe(true));
    expect(manager.getServerForTool('late_tool')).toBe('tools');
    expect(await manager.callTool('late_tool', {}, never())).toEqual({
      ok: true,
      result: 'late',
      server: 'tools',
    });
  });

  it('maps an isError result to mcp_tool_error naming the server', async () => {
    const manager = await startedManager({
      servers: { tools: createInMemoryMcpServer(buildToolServer).config },
    });
    expect(await manager.callTool('fail', {}, never())).toEqual({
      ok: false,
      error: { code: 'mcp_tool_error', sub_code: 'not_found', message: 'Record not found: 42' },
      server: 'tools',
    });
  });

  it('times a slow call out with the per-server override and keeps serving', async () => {
    const manager = await startedManager({
      servers: { tools: createInMemoryMcpServer(buildToolServer).config },
      serverToolTimeoutsMs: { tools: 50 },
    });
    expect(await manager.callTool('wait', {}, never())).toEqual({
      ok: false,
      error: {
        code: 'tool_error',
        sub_code: 'timeout',
        message: "MCP tool 'wait' on server 'tools' timed out after 0.1s",
      },
      server: 'tools',
    });
    expect(await manager.callTool('echo_args', { text: 'still here' }, never())).toMatchObject({
      ok: true,
      result: { text: 'still here' },
    });
  });

  it('answers cancelled when the caller aborts', async () => {
    const manager = await startedManager({
      servers: { tools: createInMemoryMcpServer(buildToolServer).config },
    });
    const controller = new AbortController();
    const pending = manager.callTool('wait', {}, controller.signal);
    controller.abort();
    expect(await pending).toEqual({
      ok: false,
      error: { code: 'cancelled', message: 'Task was cancelled' },
      server: 'tools',
    });
  });

  it('leaves no listener behind on a long-lived caller signal', async () => {
    const manager = await startedManager({
      servers: { tools: createInMemoryMcpServer(buildToolServer).config },
    });
    const signal = new AbortController().signal;
    for (let call = 0; call < 20; call += 1) {
      expect(await manager.callTool('echo_args', { text: String(call) }, signal)).toMatchObject({ ok: true });
    }
    expect(getEventListeners(signal, 'abort')).toHaveLength(0);
  });

  it('answers unknown_tool for a name no server offers', async () => {
    const manager = await startedManager({
      servers: { tools: createInMemoryMcpServer(buildToolServer).config },
    });
    expect(await manager.callTool('nope', {}, never())).toEqual({
      ok: false,
      error: { code: 'unknown_tool', message: 'Unknown tool: nope' },
      server: null,
    });
  });

  it('injects _session_id only for sessionInjectServers, and strips advertised fields', async () => {
    const manager = await startedManager({
      servers: {
        injected: createInMemoryMcpServer(buildToolServer, { toolPrefix: 'in_' }).config,
        plain: createInMemoryMcpServer(buildToolServer).config,
      },
      sessionInjectServers: ['injected'],
      stripInputFields: ['_session_id'],
    });
    const session = { sessionId: 'sess_42' };
    expect(await manager.callTool('in_echo_args', { text: 'a' }, never(), session)).toMatchObject({
      ok: true,
      result: { text: 'a', _session_id: 'sess_42' },
      server: 'injected',
    });
    expect(await manager.callTool('echo_args', { text: 'b' }, never(), session)).toEqual({
      ok: true,
      result: { text: 'b' },
      server: 'plain',
    });
    const advertised = manager.getServerToolDefinitions(['plain']).find(({ name }) => name === 'echo_args');
    expect(advertised?.input_schema.properties).toEqual({ text: { type: 'string' } });
  });

  it('receives the session id from the tool dispatcher', async () => {
    const manager = await startedManager({
      servers: { injected: createInMemoryMcpServer(buildToolServer).config },
      sessionInjectServers: ['injected'],
    });
    const dispatcher = createToolDispatcher({ remote: manager });
    const outcome = await dispatcher.dispatch(
      { id: 'call_1', name: 'echo_args', input: { text: 'x' }, callIndex: 0 },
      { sessionId: 'sess_from_loop', signal: never(), emit: () => undefined },
    );
    expect(outcome).toEqual({
      ok: true,
      result: { text: 'x', _session_id: 'sess_from_loop' },
      server: 'injected',
    });
  });

  it('starts only allowedServers and hides tools named like built-ins', async () => {
    const manager = await startedManager({
      servers: {
        first: createInMemoryMcpServer(buildToolServer).config,
        second: createInMemoryMcpServer(buildToolServer).config,
      },
      allowedServers: ['second'],
      builtinToolNames: ['fail'],
    });
    expect(manager.getServerNames()).toEqual(['second']);
    expect(manager.getToolDefinitions().map(({ name }) => name)).toEqual(['echo_args', 'wait']);
  });

  it('calls {server}_close_session with the session id when a session ends', async () => {
    const closed: unknown[] = [];
    const server = createInMemoryMcpServer(() => {
      const built = buildToolServer();
      built.registerTool('crm_close_session', { inputSchema: { _session_id: z.string() } }, (args) => {
        closed.push(args._session_id);
        return { content: [] };
      });
      return built;
    });
    const manager = await startedManager({ servers: { crm: server.config }, sessionInjectServers: ['crm'] });
    await manager.closeSession('sess_7');
    expect(closed).toEqual(['sess_7']);
  });

  it('is empty and answers "unavailable" after close, which is idempotent', async () => {
    const server = createInMemoryMcpServer(buildToolServer);
    const manager = await startedManager({ servers: { tools: server.config } });
    await Promise.all([manager.close(), manager.close()]);
    await manager.close();
    expect(manager.getToolDefinitions()).toEqual([]);
    expect(manager.getServerStatus().tools?.state).toBe('closed');
    expect(await manager.callTool('echo_args', {}, never())).toMatchObject({
      error: { code: 'unknown_tool' },
    });
  });

  it('rejects malformed options before starting anything', () => {
    const attempts: unknown[] = [
      { toolTimeoutMs: 0 },
      { serverToolTimeoutsMs: { fs: -1 } },
      { restartBackoff: { initialMs: 0 } },
      { clientInfo: { name: 'x' } },
      { logger: { warn: () => undefined } },
      { servers: ['fs'] },
      { allowedServers: 'fs' },
      { mcpServers: {} },
    ];
    for (const options of attempts) {
      let thrown: unknown;
      try {
        createMcpClientManager(options as McpClientManagerOptions);
      } catch (error) {
        thrown = error;
      }
      expect(isGatewayError(thrown, 'invalid_option')).toBe(true);
    }
  });

  it('suggests the closest option name and says which options now count milliseconds', () => {
    const messageOf = (options: unknown): string => {
      try {
        createMcpClientManager(options as McpClientManagerOptions);
      } catch (error) {
        if (isGatewayError(error, 'invalid_option')) return error.message;
        throw error;
      }
      throw new Error('accepted');
    };
    expect(messageOf({ allowedServer: ['fs'] })).toBe(
      "createMcpClientManager: unknown option 'allowedServer' — did you mean 'allowedServers'?",
    );
    expect(messageOf({ defaultToolTimeout: 30 })).toBe(
      "createMcpClientManager: option 'defaultToolTimeout' was replaced: use 'toolTimeoutMs' (milliseconds)",
    );
    expect(messageOf({ restartBackoff: { initial: 1 } })).toBe(
      "createMcpClientManager: option 'restartBackoff.initial' was replaced: use 'restartBackoff.initialMs' (milliseconds)",
    );
  });
});
