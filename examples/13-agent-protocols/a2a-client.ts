/**
 * An A2A client of the example agent, with the official `@a2a-js/sdk`: exchanges an API key for
 * a session token, reads the agent card, streams one task and approves what the task asks for
 * (a follow-up message in the same task), printing the answer as it arrives.
 *
 *   npx tsx examples/13-agent-protocols/a2a-client.ts "Refund order 1042"
 *
 * Environment: GATEWAY_URL (default http://127.0.0.1:8000), GATEWAY_API_KEY (default local-demo-key).
 */
import { realpathSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Role, TaskState, type Message, type Part, type StreamResponse } from '@a2a-js/sdk';
import { ClientFactory, JsonRpcTransportFactory } from '@a2a-js/sdk/client';

const part = (content: Part['content']): Part => ({
  content,
  metadata: undefined,
  filename: '',
  mediaType: '',
});

const message = (parts: Part[], taskId = ''): Message => ({
  messageId: crypto.randomUUID(),
  contextId: '',
  taskId,
  role: Role.ROLE_USER,
  parts,
  metadata: undefined,
  extensions: [],
  referenceTaskIds: [],
});

/** Runs one task to its end, approving every request; resolves with the answer's text. */
export async function runA2aClient(options: {
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
  const fetchWithToken: typeof fetch = (input, init) => {
    const headers = new Headers(init?.headers);
    headers.set('authorization', `Bearer ${token}`);
    return fetch(input, { ...init, headers });
  };
  const client = await new ClientFactory({
    transports: [new JsonRpcTransportFactory({ fetchImpl: fetchWithToken })],
  }).createFromUrl(options.baseUrl);
  let answer = '';
  let next: Message | undefined = message([part({ $case: 'text', value: options.text })]);
  while (next !== undefined) {
    const sent: Message = next;
    next = undefined;
    for await (const event of client.sendMessageStream({
      tenant: '',
      message: sent,
      configuration: undefined,
      metadata: undefined,
    })) {
      next = handle(event) ?? next;
    }
  }
  return answer;

  /** Prints the answer; answers a request for approval with a follow-up message. */
  function handle(event: StreamResponse): Message | undefined {
    const payload = event.payload;
    if (payload?.$case === 'artifactUpdate') {
      for (const each of payload.value.artifact?.parts ?? []) {
        if (each.content?.$case === 'text') {
          answer += each.content.value;
          options.write?.(each.content.value);
        }
      }
    }
    if (
      payload?.$case !== 'statusUpdate' ||
      payload.value.status?.state !== TaskState.TASK_STATE_INPUT_REQUIRED
    )
      return undefined;
    const requests = (payload.value.status.message?.parts ?? []).flatMap((each) =>
      each.content?.$case === 'data' ? [each.content.value as Record<string, unknown>] : [],
    );
    options.write?.(`\n[approving ${requests.map((request) => String(request['tool_name'])).join(', ')}]\n`);
    return message(
      requests.map((request) =>
        part({
          $case: 'data',
          value: { tool_call_id: request['tool_call_id'], nonce: request['nonce'], approved: true },
        }),
      ),
      payload.value.taskId,
    );
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
  runA2aClient({
    baseUrl: process.env.GATEWAY_URL ?? 'http://127.0.0.1:8000',
    apiKey: process.env.GATEWAY_API_KEY ?? 'local-demo-key',
    text: process.argv[2] ?? 'Refund order 1042',
    write: (text) => process.stdout.write(text),
  }).then(
    () => console.log(),
    (error: unknown) => {
      console.error(error instanceof Error ? error.message : error);
      process.exitCode = 1;
    },
  );
}
