import { InMemoryTransport } from '@modelcontextprotocol/sdk/inMemory.js';
import type { Transport } from '@modelcontextprotocol/sdk/shared/transport.js';
import type { McpCustomTransportServerConfig } from '../mcp-server-config.js';

/** Anything that serves MCP over a transport (`McpServer` or the low-level `Server`). */
export interface ConnectableMcpServer {
  connect(transport: Transport): Promise<void>;
}

/** An in-process MCP server reachable through a `type: 'transport'` config. */
export interface InMemoryMcpServerHarness<TServer extends ConnectableMcpServer> {
  /** The config to put in `servers`. */
  config: McpCustomTransportServerConfig;
  /** How many times the manager connected (first start plus restarts). */
  readonly connects: number;
  /** The server instance of the latest connection. */
  readonly current: TServer | undefined;
  /** Makes the next `count` connection attempts fail. */
  failNextConnects(count: number): void;
  /** Drops the live connection from the server side, as a crashing process would. */
  crash(): Promise<void>;
}

/**
 * Serves a fresh server instance (from `build`) for every connection over the SDK's linked
 * in-memory transports, so a test can crash and restart it like a real child process.
 */
export function createInMemoryMcpServer<TServer extends ConnectableMcpServer>(
  build: () => TServer,
  options: { toolPrefix?: string } = {},
): InMemoryMcpServerHarness<TServer> {
  let connects = 0;
  let failures = 0;
  let current: TServer | undefined;
  let serverSide: InMemoryTransport | undefined;
  const config: McpCustomTransportServerConfig = {
    type: 'transport',
    ...(options.toolPrefix === undefined ? {} : { toolPrefix: options.toolPrefix }),
    async createTransport() {
      if (failures > 0) {
        failures -= 1;
        throw new Error('in-memory server refused to start');
      }
      connects += 1;
      const [clientTransport, serverTransport] = InMemoryTransport.createLinkedPair();
      current = build();
      serverSide = serverTransport;
      await current.connect(serverTransport);
      return clientTransport;
    },
  };
  return {
    config,
    get connects() {
      return connects;
    },
    get current() {
      return current;
    },
    failNextConnects(count) {
      failures = count;
    },
    async crash() {
      await serverSide?.close();
    },
  };
}
