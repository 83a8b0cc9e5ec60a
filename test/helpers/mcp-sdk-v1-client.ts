import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { ElicitRequestSchema, type ElicitResult } from '@modelcontextprotocol/sdk/types.js';

/** How the test client answers `elicitation/create`; undefined: it declares no elicitation. */
export type ElicitationAnswer = ((message: string) => ElicitResult) | undefined;

/**
 * The MCP TypeScript SDK v1 client (protocol 2025-11-25, what most hosts ship) connected to a
 * gateway's `/mcp` with a session token, declaring elicitation when `answer` is given.
 */
export async function connectV1Client(
  baseUrl: string,
  token: string,
  answer?: ElicitationAnswer,
  fetchImpl?: typeof fetch,
): Promise<{ client: Client; transport: StreamableHTTPClientTransport; elicited: string[] }> {
  const transport = new StreamableHTTPClientTransport(new URL(`${baseUrl}/mcp`), {
    requestInit: { headers: { Authorization: `Bearer ${token}` } },
    ...(fetchImpl === undefined ? {} : { fetch: fetchImpl }),
  });
  const client = new Client(
    { name: 'gateway-test', version: '1.0.0' },
    { capabilities: answer === undefined ? {} : { elicitation: { form: {} } } },
  );
  const elicited: string[] = [];
  if (answer !== undefined) {
    client.setRequestHandler(ElicitRequestSchema, (request) => {
      elicited.push(request.params.message);
      return answer(request.params.message);
    });
  }
  await client.connect(transport);
  return { client, transport, elicited };
}
