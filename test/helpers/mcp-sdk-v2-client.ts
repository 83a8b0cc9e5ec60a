import { Client, StreamableHTTPClientTransport, type ElicitResult } from '@modelcontextprotocol/client';

/**
 * The MCP TypeScript SDK v2 client pinned to protocol 2026-07-28 (stateless, `input_required`
 * fulfilled by the client and retried) on a gateway's `/mcp`, declaring elicitation when
 * `answer` is given. `route` sends its requests (a balancer's choice of instance); `fetch` by default.
 */
export async function connectV2Client(
  baseUrl: string,
  token: string,
  answer?: (message: string) => ElicitResult,
  route: typeof fetch = fetch,
): Promise<{ client: Client; elicited: string[]; sent: { version: string | null; body: string }[] }> {
  const sent: { version: string | null; body: string }[] = [];
  const transport = new StreamableHTTPClientTransport(new URL(`${baseUrl}/mcp`), {
    requestInit: { headers: { Authorization: `Bearer ${token}` } },
    fetch: (input, init) => {
      sent.push({
        version: new Headers(init?.headers).get('mcp-protocol-version'),
        body: typeof init?.body === 'string' ? init.body : '',
      });
      return route(input, init);
    },
  });
  const client = new Client(
    { name: 'gateway-test-v2', version: '1.0.0' },
    {
      capabilities: answer === undefined ? {} : { elicitation: { form: {} } },
      versionNegotiation: { mode: { pin: '2026-07-28' } },
    },
  );
  const elicited: string[] = [];
  if (answer !== undefined) {
    client.setRequestHandler('elicitation/create', (request) => {
      const message = request.params.message;
      elicited.push(message);
      return answer(message);
    });
  }
  await client.connect(transport);
  return { client, elicited, sent };
}
