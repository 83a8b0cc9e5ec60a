import { beforeAll, describe, expect, it } from 'vitest';
import { StreamableHTTPError } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { ErrorCode, McpError } from '@modelcontextprotocol/sdk/types.js';
import { isSessionNotFound, mapMcpCallError } from './map-mcp-call-error.js';
import { loadMcpClientSdk } from './mcp-client-sdk.js';
import { McpServerUnavailableError } from './mcp-server-unavailable-error.js';

const context = { server: 'everything', toolName: 'echo', timeoutMs: 1500 };

describe('mapMcpCallError', () => {
  // As a connection does when it opens: the SDK's errors are recognised once it is loaded.
  beforeAll(() => loadMcpClientSdk());

  it('maps an SDK request timeout to tool_error / timeout with a readable message', () => {
    expect(mapMcpCallError(new McpError(ErrorCode.RequestTimeout, 'Request timed out'), context)).toEqual({
      code: 'tool_error',
      sub_code: 'timeout',
      message: "MCP tool 'echo' on server 'everything' timed out after 1.5s",
    });
  });

  it('maps closed connections and transport failures to connection_error', () => {
    const closed = mapMcpCallError(new McpError(ErrorCode.ConnectionClosed, 'Connection closed'), context);
    expect(closed).toMatchObject({ code: 'tool_error', sub_code: 'connection_error' });
    const refused = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:1'), { code: 'ECONNREFUSED' });
    expect(mapMcpCallError(new TypeError('fetch failed', { cause: refused }), context)).toMatchObject({
      code: 'tool_error',
      sub_code: 'connection_error',
    });
    expect(mapMcpCallError(new StreamableHTTPError(502, 'Bad gateway'), context)).toMatchObject({
      sub_code: 'connection_error',
    });
  });

  it('maps anything else to tool_error / unknown with its message', () => {
    expect(mapMcpCallError(new McpError(ErrorCode.InvalidParams, 'Tool nope not found'), context)).toEqual({
      code: 'tool_error',
      sub_code: 'unknown',
      message: 'MCP error -32602: Tool nope not found',
    });
  });

  it('reports an unavailable server as mcp_tool_error with its sub-code', () => {
    const error = new McpServerUnavailableError('fs', 'MCP server fs is restarting', {
      subCode: 'server_restarting',
    });
    expect(mapMcpCallError(error, context)).toEqual({
      code: 'mcp_tool_error',
      sub_code: 'server_restarting',
      message: 'MCP server fs is restarting',
    });
  });

  it('recognises a lost HTTP session only by a 404', () => {
    expect(isSessionNotFound(new StreamableHTTPError(404, 'Session not found'))).toBe(true);
    expect(isSessionNotFound(new StreamableHTTPError(400, 'Bad request'))).toBe(false);
    expect(isSessionNotFound(new Error('404'))).toBe(false);
  });
});
