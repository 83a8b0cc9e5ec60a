import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { z } from 'zod';
import { createMcpClientManager } from '../create-mcp-client-manager.js';
import type { McpClientManager } from '../create-mcp-client-manager.js';
import type { McpClientManagerOptions } from '../mcp-client-manager-options.js';
import { createRecordingMcpLogger } from './recording-mcp-logger.js';

/** A server with `echo_args` (returns its arguments as JSON), `fail` (isError) and `wait` (until cancelled). */
export function buildToolServer(): McpServer {
  const server = new McpServer({ name: 'tools', version: '1.0.0' });
  server.registerTool(
    'echo_args',
    {
      description: 'Returns its input',
      inputSchema: { text: z.string().optional(), _session_id: z.string().optional() },
    },
    (args) => ({ content: [{ type: 'text', text: JSON.stringify(args) }] }),
  );
  server.registerTool('fail', { description: 'Always fails' }, () => ({
    isError: true,
    content: [{ type: 'text', text: 'Record not found: 42' }],
  }));
  server.registerTool(
    'wait',
    { description: 'Waits until the call is cancelled' },
    (extra) =>
      new Promise((resolve) => {
        extra.signal.addEventListener('abort', () => resolve({ content: [] }), { once: true });
      }),
  );
  return server;
}

/**
 * Creates started managers (silent, reading no config file) and closes them all at the end of
 * each test: call `closeAll` from `afterEach`.
 */
export function createManagerPool(): {
  start(options: McpClientManagerOptions): Promise<McpClientManager>;
  track(manager: McpClientManager): McpClientManager;
  closeAll(): Promise<void>;
} {
  const managers: McpClientManager[] = [];
  return {
    async start(options) {
      const manager = createMcpClientManager({
        configPath: null,
        logger: createRecordingMcpLogger().logger,
        ...options,
      });
      managers.push(manager);
      await manager.start();
      return manager;
    },
    track(manager) {
      managers.push(manager);
      return manager;
    },
    async closeAll() {
      await Promise.all(managers.splice(0).map((manager) => manager.close()));
    },
  };
}
