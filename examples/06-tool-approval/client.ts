/**
 * A small client for the approval example: opens a session, streams one chat, and answers every
 * `tool_approval_request` on `POST /api/chat/tool-approval`, printing the events as they arrive.
 *
 *   npx tsx examples/06-tool-approval/client.ts "Save a note called todo.txt saying: buy milk"
 *
 * Environment: GATEWAY_URL (default http://127.0.0.1:8000), GATEWAY_API_KEY (default
 * local-demo-key). It uses only `fetch`, so the same code runs in a browser.
 */
import { realpathSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { GatewayEvent } from 'ai-agent-gateway';
import type { ToolApprovalRequestEvent } from 'ai-agent-gateway/agent';

/** One server-sent event: its `id:` (absent on heartbeats) and its parsed `data:`. */
export interface SseMessage {
  id: string | undefined;
  data: GatewayEvent;
}

/** Options of `runApprovalClient`. */
export interface ApprovalClientOptions {
  /** Where the gateway listens, e.g. `http://127.0.0.1:8000` (routes under `/api`). */
  baseUrl: string;
  /** Key exchanged for a session token (any non-empty key unless the server restricts them). */
  apiKey?: string;
  /** The user message to send. */
  message: string;
  /** Decides each approval request (default: approve). */
  decide?: (request: ToolApprovalRequestEvent) => boolean | Promise<boolean>;
  /** Sees every event, in order (default: print it). */
  onEvent?: (event: GatewayEvent) => void;
  /** Cancels the chat: the server stops the run when the connection closes. */
  signal?: AbortSignal;
}

/**
 * Parses a `text/event-stream` body into messages. Frames end with a blank line; `data:` lines
 * of one frame are joined with newlines (the gateway sends one per frame).
 */
export async function* readSseMessages(body: ReadableStream<Uint8Array>): AsyncGenerator<SseMessage> {
  let buffer = '';
  const decoder = new TextDecoder();
  const parseFrame = (frame: string): SseMessage | undefined => {
    let id: string | undefined;
    const data: string[] = [];
    for (const line of frame.split(/\r?\n/)) {
      if (line.startsWith('id:')) id = line.slice(3).trim();
      else if (line.startsWith('data:')) data.push(line.slice(5).replace(/^ /, ''));
    }
    return data.length === 0 ? undefined : { id, data: JSON.parse(data.join('\n')) as GatewayEvent };
  };
  for await (const chunk of body) {
    buffer += decoder.decode(chunk, { stream: true });
    let boundary = buffer.search(/\r?\n\r?\n/);
    while (boundary !== -1) {
      const frame = buffer.slice(0, boundary);
      buffer = buffer.slice(boundary).replace(/^\r?\n\r?\n/, '');
      const message = parseFrame(frame);
      if (message !== undefined) yield message;
      boundary = buffer.search(/\r?\n\r?\n/);
    }
  }
  const last = parseFrame(buffer);
  if (last !== undefined) yield last;
}

const postJson = async (
  url: string,
  body: unknown,
  token?: string,
  signal?: AbortSignal,
): Promise<Response> => {
  const headers: Record<string, string> = { 'Content-Type': 'application/json' };
  if (token !== undefined) headers.Authorization = `Bearer ${token}`;
  return fetch(url, { method: 'POST', headers, body: JSON.stringify(body), ...(signal ? { signal } : {}) });
};

const failWith = async (what: string, response: Response): Promise<never> => {
  throw new Error(`${what} failed: HTTP ${response.status} ${await response.text()}`);
};

const printEvent = (event: GatewayEvent): void => {
  if (event.type === 'text_delta') process.stdout.write(event.text);
  else console.log(`\n[${event.type}] ${JSON.stringify(event)}`);
};

/**
 * Runs one chat against the approval example and resolves with every event received. Each
 * `tool_approval_request` is answered with the nonce it carries, while the stream stays open:
 * the run is paused on the server until the answer arrives.
 */
export async function runApprovalClient(options: ApprovalClientOptions): Promise<GatewayEvent[]> {
  const api = `${options.baseUrl.replace(/\/+$/, '')}/api`;
  const decide = options.decide ?? (() => true);
  const onEvent = options.onEvent ?? printEvent;

  const init = await postJson(
    `${api}/chat/init`,
    { api_key: options.apiKey ?? 'local-demo-key' },
    undefined,
    options.signal,
  );
  if (!init.ok) return failWith('chat/init', init);
  const { session_token: token } = (await init.json()) as { session_token: string };

  const chat = await postJson(
    `${api}/chat`,
    { messages: [{ role: 'user', content: options.message }] },
    token,
    options.signal,
  );
  if (!chat.ok || chat.body === null) return failWith('chat', chat);

  const events: GatewayEvent[] = [];
  for await (const { data: event } of readSseMessages(chat.body)) {
    events.push(event);
    onEvent(event);
    if (event.type === 'tool_approval_request') {
      const approved = await decide(event);
      const answer = await postJson(
        `${api}/chat/tool-approval`,
        { tool_call_id: event.tool_call_id, nonce: event.nonce, approved, allow_tool_type: false },
        token,
        options.signal,
      );
      if (!answer.ok) return failWith('chat/tool-approval', answer);
    }
    if (event.type === 'stream_complete' || event.type === 'error') break;
  }
  return events;
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
  const message = process.argv[2] ?? 'Save a note called hello.txt that says: approved by a human.';
  runApprovalClient({
    baseUrl: process.env.GATEWAY_URL ?? 'http://127.0.0.1:8000',
    apiKey: process.env.GATEWAY_API_KEY ?? 'local-demo-key',
    message,
    decide: (request) => {
      console.log(`\nApproving ${request.tool_name} ${JSON.stringify(request.tool_input)}`);
      return true;
    },
  }).then(
    () => console.log(),
    (error: unknown) => {
      console.error(error instanceof Error ? error.message : error);
      process.exitCode = 1;
    },
  );
}
