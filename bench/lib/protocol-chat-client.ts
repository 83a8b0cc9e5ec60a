/**
 * One chat on each of the gateway's streaming routes, over a real socket, for comparing
 * them in one run: native `POST /chat`, the AI SDK UI message stream `POST /ui/chat`, AG-UI
 * `POST /ag-ui`, A2A `POST /a2a` (`SendStreamingMessage`) and MCP `tools/call` on `/mcp`
 * (2025-11-25 in a session, and 2026-07-28 stateless). Every route gets the same user text (a bench directive the mock upstream reads)
 * and the client does the same work on each: one fetch (undici), every `data:` line parsed as
 * JSON, the text deltas counted and timed, the stream read to its end.
 */

/** The routes compared. */
export type ProtocolRouteName = 'native' | 'ui' | 'ag-ui' | 'a2a' | 'mcp' | 'mcp-modern';

/** What the client saw of one chat. */
export interface ProtocolChatObservation {
  status: number;
  /** Request start to response headers, ms. */
  ttfbMs: number;
  /** Request start to the first text delta, ms (undefined when none came). */
  firstTextMs: number | undefined;
  /** Request start to the end of the body, ms. */
  totalMs: number;
  textDeltas: number;
  /** Whether the route's own terminal frame arrived (a completed chat). */
  completed: boolean;
  /** 409 answers (the previous run still releasing its session) retried before this chat. */
  busyRetries: number;
  errorText?: string;
}

/** How one route is asked and how its frames read. */
export interface ProtocolRoute {
  name: ProtocolRouteName;
  /** Path under the gateway's prefix. */
  path: string;
  /** The request body for one user message. */
  body(text: string, chatNumber: number): string;
  /** The `type` of a text delta frame. */
  textDeltaType: string;
  /** Whether a frame of this `type` ends a completed chat. */
  isCompletion(type: string): boolean;
  /** Extra request headers. */
  headers?: Record<string, string>;
  /**
   * Once per gateway and session before the first chat: more headers for every chat (the MCP
   * route's `initialize` handshake gives its session id).
   */
  setup?(baseUrl: string, token: string): Promise<Record<string, string>>;
  /**
   * What a parsed `data:` frame is, for routes whose frames carry no `type` (A2A's JSON-RPC
   * envelopes); without it, `textDeltaType` and `isCompletion` decide.
   */
  classify?(frame: Record<string, unknown>): 'text' | 'done' | 'error' | undefined;
  /** How many of the reply's deltas a `text` frame carries (default 1: MCP coalesces a burst). */
  textUnits?(frame: Record<string, unknown>): number;
}

/** An MCP `tools/call` frame's kind: a progress notification with text, the result, an error. */
const classifyMcpFrame = (frame: Record<string, unknown>): 'text' | 'done' | 'error' | undefined => {
  if (frame['error'] !== undefined) return 'error';
  if (frame['method'] === 'notifications/progress') {
    const params = frame['params'] as { message?: string } | undefined;
    return (params?.message ?? '') === '' ? undefined : 'text';
  }
  const result = frame['result'] as { isError?: boolean } | undefined;
  if (result === undefined) return undefined;
  return result.isError === true ? 'error' : 'done';
};

/** The words an MCP progress notification carries (a burst of deltas coalesced into one). */
const wordsOfProgress = (frame: Record<string, unknown>): number => {
  const params = frame['params'] as { message?: string } | undefined;
  return (params?.message ?? '')
    .trim()
    .split(/\s+/)
    .filter((word) => word !== '').length;
};

/** `initialize` and `notifications/initialized` of an MCP 2025-11-25 session: its id header. */
async function openMcpSession(baseUrl: string, token: string): Promise<Record<string, string>> {
  const headers = {
    'content-type': 'application/json',
    accept: 'application/json, text/event-stream',
    authorization: `Bearer ${token}`,
  };
  const initialize = await fetch(`${baseUrl}/mcp`, {
    method: 'POST',
    headers,
    body: JSON.stringify({
      jsonrpc: '2.0',
      id: 0,
      method: 'initialize',
      params: {
        protocolVersion: '2025-11-25',
        capabilities: {},
        clientInfo: { name: 'bench', version: '1' },
      },
    }),
  });
  await initialize.text();
  const sessionId = initialize.headers.get('mcp-session-id');
  if (sessionId === null) throw new Error(`MCP initialize failed: HTTP ${initialize.status}`);
  const session = { 'mcp-session-id': sessionId, 'mcp-protocol-version': '2025-11-25' };
  const initialized = await fetch(`${baseUrl}/mcp`, {
    method: 'POST',
    headers: { ...headers, ...session },
    body: JSON.stringify({ jsonrpc: '2.0', method: 'notifications/initialized' }),
  });
  await initialized.text();
  return session;
}

/** An A2A 1.0 `SendStreamingMessage` frame's kind: a non-empty text artifact update, completion, error. */
const classifyA2aFrame = (frame: Record<string, unknown>): 'text' | 'done' | 'error' | undefined => {
  if (frame['error'] !== undefined) return 'error';
  const result = frame['result'] as
    | {
        artifactUpdate?: { artifact?: { parts?: { text?: string }[] } };
        statusUpdate?: { status?: { state?: string } };
      }
    | undefined;
  if (result?.artifactUpdate?.artifact?.parts?.some((part) => (part.text ?? '') !== '') === true)
    return 'text';
  const state = result?.statusUpdate?.status?.state;
  if (state === 'TASK_STATE_COMPLETED') return 'done';
  if (state === 'TASK_STATE_FAILED' || state === 'TASK_STATE_CANCELED') return 'error';
  return undefined;
};

/** The routes, with bodies shaped as their real clients send them. */
export const PROTOCOL_ROUTES: readonly ProtocolRoute[] = [
  {
    name: 'native',
    path: '/chat',
    body: (text) => JSON.stringify({ messages: [{ role: 'user', content: text }] }),
    textDeltaType: 'text_delta',
    isCompletion: (type) => type === 'stream_complete',
  },
  {
    // `useChat` + `DefaultChatTransport`: `{id, messages: UIMessage[], trigger, messageId?}`.
    name: 'ui',
    path: '/ui/chat',
    body: (text, chatNumber) =>
      JSON.stringify({
        id: 'bench_chat',
        messages: [{ id: `u${chatNumber}`, role: 'user', parts: [{ type: 'text', text }] }],
        trigger: 'submit-message',
      }),
    textDeltaType: 'text-delta',
    isCompletion: (type) => type === 'finish',
  },
  {
    // `HttpAgent.runAgent`: a whole `RunAgentInput`.
    name: 'ag-ui',
    path: '/ag-ui',
    body: (text, chatNumber) =>
      JSON.stringify({
        threadId: 'bench_thread',
        runId: `run_${chatNumber}`,
        state: {},
        messages: [{ id: `u${chatNumber}`, role: 'user', content: text }],
        tools: [],
        context: [],
        forwardedProps: {},
      }),
    textDeltaType: 'TEXT_MESSAGE_CONTENT',
    isCompletion: (type) => type === 'RUN_FINISHED',
  },
  {
    // `@a2a-js/sdk`'s `Client.sendMessageStream` (A2A 1.0 JSON-RPC).
    name: 'a2a',
    path: '/a2a',
    headers: { 'A2A-Version': '1.0' },
    body: (text, chatNumber) =>
      JSON.stringify({
        jsonrpc: '2.0',
        id: chatNumber,
        method: 'SendStreamingMessage',
        params: { message: { messageId: `m${chatNumber}`, role: 'ROLE_USER', parts: [{ text }] } },
      }),
    textDeltaType: '',
    isCompletion: () => false,
    classify: classifyA2aFrame,
  },
  {
    // An MCP 2025-11-25 client's `tools/call` with a progress token (the v1 SDK's `callTool`).
    name: 'mcp',
    path: '/mcp',
    headers: { accept: 'application/json, text/event-stream' },
    setup: openMcpSession,
    body: (text, chatNumber) =>
      JSON.stringify({
        jsonrpc: '2.0',
        id: chatNumber,
        method: 'tools/call',
        params: { name: 'ask_agent', arguments: { message: text }, _meta: { progressToken: chatNumber } },
      }),
    textDeltaType: '',
    isCompletion: () => false,
    classify: classifyMcpFrame,
    // The gateway sends the deltas of one event-loop turn as one notification: count the words.
    textUnits: wordsOfProgress,
  },
  {
    // An MCP 2026-07-28 client's `tools/call` (the v2 SDK's `callTool` pinned to that revision):
    // stateless, the protocol version, client info and capabilities in every request's `_meta`.
    name: 'mcp-modern',
    path: '/mcp',
    headers: {
      accept: 'application/json, text/event-stream',
      'mcp-method': 'tools/call',
      'mcp-name': 'ask_agent',
      'mcp-protocol-version': '2026-07-28',
    },
    body: (text, chatNumber) =>
      JSON.stringify({
        method: 'tools/call',
        params: {
          name: 'ask_agent',
          arguments: { message: text },
          _meta: {
            'io.modelcontextprotocol/protocolVersion': '2026-07-28',
            'io.modelcontextprotocol/clientInfo': { name: 'bench', version: '1' },
            'io.modelcontextprotocol/clientCapabilities': {},
            progressToken: chatNumber,
          },
        },
        jsonrpc: '2.0',
        id: chatNumber,
      }),
    textDeltaType: '',
    isCompletion: () => false,
    classify: classifyMcpFrame,
    // The SDK's server coalesces the deltas of one event-loop turn too.
    textUnits: wordsOfProgress,
  },
];

const MAX_BUSY_RETRIES = 200;

const sleep = (milliseconds: number): Promise<void> =>
  new Promise((resolve) => setTimeout(resolve, milliseconds));

/** Opens a session on the gateway at `baseUrl` (prefix included); returns its token. */
export async function openSession(baseUrl: string): Promise<string> {
  const response = await fetch(`${baseUrl}/chat/init`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ api_key: 'bench-client' }),
  });
  const body = (await response.json()) as { session_token?: unknown };
  if (typeof body.session_token !== 'string') throw new Error(`chat/init failed: ${response.status}`);
  return body.session_token;
}

/** Streams one chat on `route` and records what arrived when. */
export async function chatOnRoute(
  baseUrl: string,
  token: string,
  route: ProtocolRoute,
  text: string,
  chatNumber: number,
  extraHeaders: Record<string, string> = {},
): Promise<ProtocolChatObservation> {
  const observation: ProtocolChatObservation = {
    status: 0,
    ttfbMs: Number.NaN,
    firstTextMs: undefined,
    totalMs: Number.NaN,
    textDeltas: 0,
    completed: false,
    busyRetries: 0,
  };
  const body = route.body(text, chatNumber);
  const started = performance.now();
  let response: Response;
  for (;;) {
    response = await fetch(`${baseUrl}${route.path}`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        accept: 'text/event-stream',
        authorization: `Bearer ${token}`,
        ...route.headers,
        ...extraHeaders,
      },
      body,
    });
    if (response.status !== 409 || observation.busyRetries >= MAX_BUSY_RETRIES) break;
    await response.body?.cancel();
    observation.busyRetries += 1;
    await sleep(1);
  }
  observation.status = response.status;
  observation.ttfbMs = performance.now() - started;
  if (response.status !== 200 || response.body === null) {
    observation.errorText = `HTTP ${response.status} (${JSON.stringify(Object.fromEntries(response.headers))}): ${(await response.text()).slice(0, 300)}`;
    observation.totalMs = performance.now() - started;
    return observation;
  }
  const stream: ReadableStream<Uint8Array> = response.body;
  const decoder = new TextDecoder();
  let buffered = '';
  for await (const chunk of stream) {
    buffered += decoder.decode(chunk, { stream: true });
    for (let boundary = buffered.indexOf('\n\n'); boundary !== -1; boundary = buffered.indexOf('\n\n')) {
      const frame = buffered.slice(0, boundary);
      buffered = buffered.slice(boundary + 2);
      for (const line of frame.split('\n')) {
        if (!line.startsWith('data: ') || line === 'data: [DONE]') continue;
        const event = JSON.parse(line.slice(6)) as {
          type?: string;
          message?: string;
          error?: string;
          errorText?: string;
        };
        if (route.classify !== undefined) {
          const kind = route.classify(event);
          if (kind === 'text') {
            observation.textDeltas += route.textUnits?.(event) ?? 1;
            observation.firstTextMs ??= performance.now() - started;
          } else if (kind === 'done') observation.completed = true;
          else if (kind === 'error') observation.errorText = line.slice(0, 300);
          continue;
        }
        if (event.type === route.textDeltaType) {
          observation.textDeltas += 1;
          observation.firstTextMs ??= performance.now() - started;
        } else if (event.type !== undefined && route.isCompletion(event.type)) {
          observation.completed = true;
        } else if (event.type === 'error' || event.type === 'RUN_ERROR') {
          observation.errorText = event.message ?? event.errorText ?? event.error ?? line;
        }
      }
    }
  }
  observation.totalMs = performance.now() - started;
  return observation;
}
