/**
 * An MCP host's view of the example agent, with the official MCP SDK client (protocol
 * 2025-11-25): lists the tool, calls it with progress notifications, and approves what the
 * agent asks for through elicitation.
 *
 *   npx tsx examples/13-agent-protocols/mcp-client.ts "What is the status of order 1042?"
 *
 * Environment: GATEWAY_URL (default http://127.0.0.1:8000), GATEWAY_API_KEY (default local-demo-key).
 */
import { realpathSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { ElicitRequestSchema } from '@modelcontextprotocol/sdk/types.js';

/** Calls the agent's tool once; resolves with the result's text. */
export async function runMcpClient(options: {
  baseUrl: string;
  apiKey: string;
  text: string;
  write?: (text: string) => void;
}): Promise<string> {
  const init = await fetch(`${options.baseUrl}/api/chat/init`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ api_key: options.apiKey }),
  });
  const { session_token: token } = (await init.json()) as { session_token: string };
  const client = new Client(
    { name: 'example-host', version: '1.0.0' },
    { capabilities: { elicitation: { form: {} } } },
  );
  client.setRequestHandler(ElicitRequestSchema, (request) => {
    options.write?.(`\n[approving: ${request.params.message}]\n`);
    return { action: 'accept', content: { approved: true } };
  });
  await client.connect(
    new StreamableHTTPClientTransport(new URL(`${options.baseUrl}/api/mcp`), {
      requestInit: { headers: { Authorization: `Bearer ${token}` } },
    }),
  );
  try {
    const { tools } = await client.listTools();
    const name = tools[0]?.name ?? 'ask_orders';
    const result = await client.callTool({ name, arguments: { message: options.text } }, undefined, {
      onprogress: (progress) => options.write?.(progress.message ?? ''),
    });
    const content = Array.isArray(result.content)
      ? (result.content as { type: string; text?: string }[])
      : [];
    return content.map((block) => (block.type === 'text' ? (block.text ?? '') : '')).join('');
  } finally {
    await client.close();
  }
}

const isEntryPoint = (): boolean => {
  const entry = process.argv[1];
  if (entry === undefined) return false;
  try {
    return realpathSync(entry) === realpathSync(fileURLToPath(import.meta.url));
  } catch {
    return false;
  }
};

if (isEntryPoint()) {
  runMcpClient({
    baseUrl: process.env.GATEWAY_URL ?? 'http://127.0.0.1:8000',
    apiKey: process.env.GATEWAY_API_KEY ?? 'local-demo-key',
    text: process.argv[2] ?? 'What is the status of order 1042?',
    write: (text) => process.stdout.write(text),
  }).then(
    (text) => console.log(`\n\nResult: ${text}`),
    (error: unknown) => {
      console.error(error instanceof Error ? error.message : error);
      process.exitCode = 1;
    },
  );
}
