import { z } from 'zod';
import { implementing, parseOptions } from '../core/parse-options.js';
import { normalizePrefix } from '../server/contracts/normalize-prefix.js';
import { serverDefaults } from '../server/contracts/server-spec.js';
import { GatewayResponseError } from './test-client/gateway-response-error.js';
import { createTestRun, type TestRun } from './test-client/test-run.js';

/** What a test client drives: anything with the gateway's `fetch`, such as a `GatewayApp`. */
export interface TestClientApp {
  fetch(request: Request): Promise<Response>;
  /** The app's route prefix; `GatewayApp` has it. */
  readonly prefix?: string;
}

/** Options of `createTestClient`. */
export interface TestClientOptions {
  /** Route prefix (default: the app's own `prefix`, else `/api`). */
  prefix?: string;
  /** Origin of the request URLs (default `http://localhost`, a name every gateway answers to). */
  origin?: string;
  /** Headers sent with every request (after the client's own, so they can replace them). */
  headers?: Record<string, string>;
  /** Keep `heartbeat` events in runs (default false: keep-alives are not part of a run). */
  heartbeats?: boolean;
}

/** A session opened with `init()`. */
export interface TestSession {
  /** The bearer token the client sends from now on. */
  token: string;
  sessionId: string;
  /** Unix seconds. */
  expiresAt: number;
}

/** Options every call takes. */
export interface CallOptions {
  /** Cancels the request; for a stream, also closes it (as a client going away). */
  signal?: AbortSignal;
}

/** Options of `init()`. */
export interface InitOptions extends CallOptions {
  /** The API key to open the session with (default `test-key`). */
  apiKey?: string;
}

/** A chat message as the wire carries it (plain text). */
export interface TestChatMessage {
  role: 'user' | 'assistant';
  content: string;
}

/** Options of `chat()`: one `message`, or the whole `messages` history. */
export type ChatOptions = CallOptions & {
  /** A model the app allows (the wire's `model`). */
  model?: string;
  /** The wire's `context` (`channel`, anything the app's runtime reads). */
  context?: Record<string, unknown>;
} & (
    | { /** One user message. */ message: string; messages?: never }
    | {
        /** The conversation so far, ending with the user's turn. */ messages: TestChatMessage[];
        message?: never;
      }
  );

/** A call that waits for an answer: a `tool_approval_request`, a client tool's `tool_call_start`, or its ids. */
export type PendingAnswer = { tool_call_id: string; nonce?: string } | { toolCallId: string; nonce: string };

/** Options of `approve()`. */
export interface ApproveOptions extends CallOptions {
  approved: boolean;
  /** Approve every later call of this tool type in the session (the wire's `allow_tool_type`). */
  allowToolType?: boolean;
}

/** Options of `submitToolResult()`: a `result` or an `error` (the other one is sent as null). */
export interface SubmitToolResultOptions extends CallOptions {
  result?: Record<string, unknown> | null;
  error?: Record<string, unknown> | null;
}

/** Options of `resume()`. */
export interface ResumeOptions extends CallOptions {
  /**
   * Where to continue: a `Last-Event-ID` (`<runId>:<seq>` as streamed, or a bare sequence
   * number). Default: after the last event `run` read, or the start of the session's latest run.
   */
  lastEventId?: string | number;
  /** A stream of the run to continue (its `lastEventId` is the default position). */
  run?: TestRun;
}

/**
 * A client for the gateway's wire protocol that drives an app in process through `app.fetch`
 * (no socket). One client holds one session. Every answer other than 2xx throws a
 * `GatewayResponseError` with the status and JSON body.
 */
export interface TestClient {
  /** The session of the last `init()`, if any. */
  readonly session: TestSession | undefined;
  /** `POST /chat/init`: opens a session and keeps its token for the calls that follow. */
  init(options?: InitOptions): Promise<TestSession>;
  /** `POST /chat`: starts a run and returns its event stream. */
  chat(options: ChatOptions): Promise<TestRun>;
  /** `POST /chat/tool-approval`: answers a `tool_approval_request`. */
  approve(call: PendingAnswer, options: ApproveOptions): Promise<void>;
  /** `POST /chat/tool-result`: answers a client-side tool's `tool_call_start`. */
  submitToolResult(call: PendingAnswer, options: SubmitToolResultOptions): Promise<void>;
  /**
   * `GET /chat/stream` with `Last-Event-ID`: re-attaches to the session's current or latest
   * run. A 204 (nothing after that position) gives a run with `status` 204 and no events.
   */
  resume(options?: ResumeOptions): Promise<TestRun>;
  /** `POST /chat/cancel`: stops the session's active run and resolves once it has ended. */
  cancel(options?: CallOptions): Promise<{ runId: string }>;
}

const DEFAULT_API_KEY = 'test-key';

const readJsonObject = async (response: Response, request: string): Promise<Record<string, unknown>> => {
  const body: unknown = await response.json();
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw new Error(`${request} answered ${response.status} with a body that is not a JSON object`);
  }
  return body as Record<string, unknown>;
};

const idsOf = (call: PendingAnswer): { tool_call_id: string; nonce: string } => {
  const toolCallId = 'tool_call_id' in call ? call.tool_call_id : call.toolCallId;
  if (call.nonce === undefined) {
    throw new Error(`tool call ${toolCallId} has no nonce: it runs on the server and takes no answer`);
  }
  return { tool_call_id: toolCallId, nonce: call.nonce };
};

const testClientArgumentsSchema = z.strictObject({
  app: implementing<TestClientApp>('an app with fetch(request) (a GatewayApp)', ['fetch']),
  options: z.strictObject({
    prefix: z.string().optional(),
    origin: z.url().optional(),
    headers: z.record(z.string(), z.string()).optional(),
    heartbeats: z.boolean().optional(),
  }),
});

/**
 * Creates a client that speaks the gateway's wire protocol to `app` in process, for tests:
 * `init()` once, then `chat()` and read the typed events of the run, answer approvals and
 * client-side tools, resume and cancel. Nothing listens on a port.
 */
export function createTestClient(app: TestClientApp, options: TestClientOptions = {}): TestClient {
  parseOptions(testClientArgumentsSchema, { app, options }, 'createTestClient');
  const prefix = normalizePrefix(options.prefix ?? app.prefix ?? serverDefaults.prefix);
  const origin = new URL(options.origin ?? 'http://localhost');
  let session: TestSession | undefined;

  const tokenOf = (request: string): string => {
    if (session === undefined) throw new Error(`${request}: no session yet; call init() first`);
    return session.token;
  };

  /** Sends one request; a non-2xx answer becomes a `GatewayResponseError`. */
  const send = async (
    method: 'GET' | 'POST',
    path: string,
    init: {
      body?: unknown;
      signal?: AbortSignal | undefined;
      headers?: Record<string, string>;
      auth?: boolean;
    },
  ): Promise<{ response: Response; request: string }> => {
    const url = new URL(`${prefix}${path}`, origin);
    const request = `${method} ${url.pathname}`;
    const headers: Record<string, string> = {
      // Host is what a gateway's host guard checks; fetch would set it from the URL on a socket.
      host: origin.host,
      ...(init.body === undefined ? {} : { 'content-type': 'application/json' }),
      ...(init.auth === false ? {} : { authorization: `Bearer ${tokenOf(request)}` }),
      ...init.headers,
      ...options.headers,
    };
    const response = await app.fetch(
      new Request(url, {
        method,
        headers,
        ...(init.body === undefined ? {} : { body: JSON.stringify(init.body) }),
        ...(init.signal === undefined ? {} : { signal: init.signal }),
      }),
    );
    if (response.status < 200 || response.status > 299) {
      throw await GatewayResponseError.fromResponse(response, request);
    }
    return { response, request };
  };

  const streamOf = (response: Response, signal: AbortSignal | undefined): TestRun =>
    createTestRun({
      body: response.status === 204 ? null : response.body,
      ...(signal === undefined ? {} : { signal }),
      ...(options.heartbeats === undefined ? {} : { heartbeats: options.heartbeats }),
    });

  return {
    get session() {
      return session;
    },
    async init(initOptions = {}) {
      const { response, request } = await send('POST', '/chat/init', {
        body: { api_key: initOptions.apiKey ?? DEFAULT_API_KEY },
        signal: initOptions.signal,
        auth: false,
      });
      const body = await readJsonObject(response, request);
      const { session_token: token, session_id: sessionId, expires_at: expiresAt } = body;
      if (typeof token !== 'string' || typeof sessionId !== 'string' || typeof expiresAt !== 'number') {
        throw new Error(`${request} answered an unexpected body: ${JSON.stringify(body)}`);
      }
      session = { token, sessionId, expiresAt };
      return session;
    },
    async chat(chatOptions) {
      const messages: TestChatMessage[] = chatOptions.messages ?? [
        { role: 'user', content: chatOptions.message ?? '' },
      ];
      const { response } = await send('POST', '/chat', {
        body: {
          messages,
          ...(chatOptions.context === undefined ? {} : { context: chatOptions.context }),
          ...(chatOptions.model === undefined ? {} : { model: chatOptions.model }),
        },
        signal: chatOptions.signal,
      });
      return streamOf(response, chatOptions.signal);
    },
    async approve(call, approveOptions) {
      await send('POST', '/chat/tool-approval', {
        body: {
          ...idsOf(call),
          approved: approveOptions.approved,
          allow_tool_type: approveOptions.allowToolType ?? false,
        },
        signal: approveOptions.signal,
      });
    },
    async submitToolResult(call, resultOptions) {
      await send('POST', '/chat/tool-result', {
        body: { ...idsOf(call), result: resultOptions.result ?? null, error: resultOptions.error ?? null },
        signal: resultOptions.signal,
      });
    },
    async resume(resumeOptions = {}) {
      const lastEventId = resumeOptions.lastEventId ?? resumeOptions.run?.lastEventId;
      const { response } = await send('GET', '/chat/stream', {
        signal: resumeOptions.signal,
        ...(lastEventId === undefined ? {} : { headers: { 'last-event-id': String(lastEventId) } }),
      });
      return streamOf(response, resumeOptions.signal);
    },
    async cancel(cancelOptions = {}) {
      const { response, request } = await send('POST', '/chat/cancel', { signal: cancelOptions.signal });
      const body = await readJsonObject(response, request);
      if (typeof body['run_id'] !== 'string') {
        throw new Error(`${request} answered an unexpected body: ${JSON.stringify(body)}`);
      }
      return { runId: body['run_id'] };
    },
  };
}
