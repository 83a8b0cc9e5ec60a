import type { Transport } from '@modelcontextprotocol/sdk/shared/transport.js';
import { egressFetch } from '../../providers/transport/egress-proxy.js';
import { loadMcpClientSdk } from './mcp-client-sdk.js';
import type { McpServerConfig, McpStdioServerConfig } from './mcp-server-config.js';

/**
 * Builds a fresh, unstarted transport for one server. Called on every (re)connect: SDK
 * transports cannot be restarted once closed. Stdio servers get `stderr: 'pipe'` so their
 * output reaches the gateway's log (inherit would interleave it unlabelled with ours; ignore
 * would lose a crashing server's last words). HTTP and SSE servers are reached through the
 * egress proxy named by `HTTPS_PROXY` / `HTTP_PROXY` unless `NO_PROXY` lists them. The SDK is
 * loaded here, at the first connection (`loadMcpClientSdk`).
 */
export async function createMcpTransport(config: McpServerConfig): Promise<Transport> {
  const { StdioClientTransport, StreamableHTTPClientTransport, SSEClientTransport } =
    await loadMcpClientSdk();
  switch (config.type) {
    case undefined:
    case 'stdio':
      return new StdioClientTransport({
        ...commandAsUser(config),
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

/**
 * The command line that starts a stdio server: as given, or behind util-linux's `setpriv` when
 * the server has a `user` of its own. `setpriv` sets the ids and clears supplementary groups,
 * then execs the server, so the server keeps the pid the supervisor watches and signals. A
 * gateway that is not root cannot switch users: `setpriv` then fails, the server does not start,
 * and its stderr line says why (we fail closed rather than run it as the gateway's user).
 */
function commandAsUser(config: McpStdioServerConfig): { command: string; args: string[] } {
  const args = config.args ?? [];
  if (config.user === undefined) return { command: config.command, args };
  const { uid, gid } = config.user;
  return {
    command: 'setpriv',
    args: [`--reuid=${uid}`, `--regid=${gid}`, '--clear-groups', '--', config.command, ...args],
  };
}

/** The options of an HTTP transport: its headers, and the `fetch` that honours `HTTPS_PROXY`. */
function requestInitWith(headers: Record<string, string> | undefined): {
  requestInit?: RequestInit;
  fetch: typeof fetch;
} {
  return headers === undefined ? { fetch: egressFetch } : { requestInit: { headers }, fetch: egressFetch };
}
