import { SSEClientTransport } from '@modelcontextprotocol/sdk/client/sse.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type { Transport } from '@modelcontextprotocol/sdk/shared/transport.js';
import type { McpServerConfig } from './mcp-server-config.js';

/**
 * Builds a fresh, unstarted transport for one server. Called on every (re)connect: SDK
 * transports cannot be restarted once closed. Stdio servers get `stderr: 'pipe'` so their
 * output reaches the gateway's log (inherit would interleave it unlabelled with ours; ignore
 * would lose a crashing server's last words).
 */
export async function createMcpTransport(config: McpServerConfig): Promise<Transport> {
  switch (config.type) {
    case undefined:
    case 'stdio':
      return new StdioClientTransport({
        command: config.command,
        args: config.args ?? [],
        ...(config.env === undefined ? {} : { env: config.env }),
        ...(config.cwd === undefined ? {} : { cwd: config.cwd }),
        stderr: 'pipe',
      });
    case 'http':
      return new StreamableHTTPClientTransport(new URL(config.url), requestInitWith(config.headers));
    case 'sse':
      return new SSEClientTransport(new URL(config.url), requestInitWith(config.headers));
    case 'transport':
      return await config.createTransport();
  }
}

function requestInitWith(headers: Record<string, string> | undefined): { requestInit?: RequestInit } {
  return headers === undefined ? {} : { requestInit: { headers } };
}
