import { randomUUID } from 'node:crypto';
import { createServer } from 'node:http';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';

/** A Streamable HTTP MCP server on 127.0.0.1 that can forget its sessions on demand. */
export interface ForgetfulHttpMcpServer {
  url: string;
  /** Sessions initialised so far. */
  readonly initialisations: number;
  /** The `authorization` header of every request, in order (to check configured headers). */
  readonly authorizations: ReadonlyArray<string | undefined>;
  /** Drops every session, as a restarted server would: the next request with an old id gets 404. */
  forgetSessions(): Promise<void>;
  close(): Promise<void>;
}

/**
 * Starts an in-process Streamable HTTP server (one `McpServer` per session, from `build`).
 * Unknown session ids are answered with 404, as the MCP spec asks of a server that lost them.
 */
export async function startForgetfulHttpMcpServer(build: () => McpServer): Promise<ForgetfulHttpMcpServer> {
  const sessions = new Map<string, { transport: StreamableHTTPServerTransport; server: McpServer }>();
  let initialisations = 0;
  const authorizations: Array<string | undefined> = [];

  async function handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    authorizations.push(request.headers.authorization);
    const sessionId = request.headers['mcp-session-id'];
    if (typeof sessionId === 'string') {
      const session = sessions.get(sessionId);
      if (session === undefined) {
        response.writeHead(404, { 'content-type': 'application/json' });
        response.end(JSON.stringify({ jsonrpc: '2.0', error: { code: -32001, message: 'Session not found' }, id: null }));
        return;
      }
      await session.transport.handleRequest(request, response);
      return;
    }
    const server = build();
    const transport = new StreamableHTTPServerTransport({
      sessionIdGenerator: () => randomUUID(),
      enableJsonResponse: true,
      onsessioninitialized: (id) => {
        initialisations += 1;
        sessions.set(id, { transport, server });
      },
    });
    await server.connect(transport);
    await transport.handleRequest(request, response);
  }

  const httpServer = createServer((request, response) => {
    handle(request, response).catch(() => {
      if (!response.headersSent) response.writeHead(500);
      response.end();
    });
  });
  await new Promise<void>((resolve) => httpServer.listen(0, '127.0.0.1', resolve));
  const address = httpServer.address();
  if (address === null || typeof address === 'string') throw new Error('no address');

  const forgetSessions = async (): Promise<void> => {
    const open = [...sessions.values()];
    sessions.clear();
    await Promise.all(open.map(({ server }) => server.close()));
  };
  return {
    url: `http://127.0.0.1:${address.port}/mcp`,
    get initialisations() {
      return initialisations;
    },
    authorizations,
    forgetSessions,
    async close() {
      await forgetSessions();
      httpServer.closeAllConnections();
      await new Promise<void>((resolve) => httpServer.close(() => resolve()));
    },
  };
}
