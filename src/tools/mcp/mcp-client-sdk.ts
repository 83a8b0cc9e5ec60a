import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import type { SSEClientTransport, SseError } from '@modelcontextprotocol/sdk/client/sse.js';
import type { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import type {
  StreamableHTTPClientTransport,
  StreamableHTTPError,
} from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type {
  ErrorCode,
  McpError,
  ToolListChangedNotificationSchema,
} from '@modelcontextprotocol/sdk/types.js';

/** The parts of the MCP SDK's client side the gateway uses. */
export interface McpClientSdk {
  Client: typeof Client;
  StdioClientTransport: typeof StdioClientTransport;
  StreamableHTTPClientTransport: typeof StreamableHTTPClientTransport;
  SSEClientTransport: typeof SSEClientTransport;
  ToolListChangedNotificationSchema: typeof ToolListChangedNotificationSchema;
  StreamableHTTPError: typeof StreamableHTTPError;
  SseError: typeof SseError;
  McpError: typeof McpError;
  ErrorCode: typeof ErrorCode;
}

let loading: Promise<McpClientSdk> | undefined;
let loaded: McpClientSdk | undefined;

/**
 * The MCP SDK's client side, loaded the first time a connection opens: a gateway without MCP
 * servers never loads it (about 160 ms of a start here). Loaded once; a failed load is tried
 * again at the next call.
 */
export function loadMcpClientSdk(): Promise<McpClientSdk> {
  loading ??= (async () => {
    const [client, stdio, streamableHttp, sse, types] = await Promise.all([
      import('@modelcontextprotocol/sdk/client/index.js'),
      import('@modelcontextprotocol/sdk/client/stdio.js'),
      import('@modelcontextprotocol/sdk/client/streamableHttp.js'),
      import('@modelcontextprotocol/sdk/client/sse.js'),
      import('@modelcontextprotocol/sdk/types.js'),
    ]);
    loaded = {
      Client: client.Client,
      StdioClientTransport: stdio.StdioClientTransport,
      StreamableHTTPClientTransport: streamableHttp.StreamableHTTPClientTransport,
      SSEClientTransport: sse.SSEClientTransport,
      ToolListChangedNotificationSchema: types.ToolListChangedNotificationSchema,
      StreamableHTTPError: streamableHttp.StreamableHTTPError,
      SseError: sse.SseError,
      McpError: types.McpError,
      ErrorCode: types.ErrorCode,
    };
    return loaded;
  })().catch((error: unknown) => {
    loading = undefined;
    throw error;
  });
  return loading;
}

/**
 * The SDK once `loadMcpClientSdk` has loaded it, else undefined: an error can only be one of the
 * SDK's once a connection was opened, which loads it.
 */
export function loadedMcpClientSdk(): McpClientSdk | undefined {
  return loaded;
}
