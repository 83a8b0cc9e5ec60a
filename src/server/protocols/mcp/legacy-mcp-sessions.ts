import {
  isInitializeRequest,
  isJSONRPCErrorResponse,
  isJSONRPCNotification,
  isJSONRPCResultResponse,
  WebStandardStreamableHTTPServerTransport,
  type AuthInfo,
  type JSONRPCMessage,
  type McpServer,
} from '@modelcontextprotocol/server';
import type { MessageBus, SessionRecord, Unsubscribe } from '../../../core/stores.js';
import type { McpSessionClaims, McpSessionIds } from './mcp-session-ids.js';
import { ChurnMap } from '../../../core/churn-map.js';
import { evictOldest } from '../../../core/evict-oldest.js';

/** A session of this instance: a server bound to a stateful transport. */
interface LiveSession {
  server: McpServer;
  transport: WebStandardStreamableHTTPServerTransport;
  lastUsed: number;
  unsubscribe: Promise<Unsubscribe>;
}

/** Most sessions this instance keeps live at once, unless `maxLiveSessions` says otherwise. */
const MAX_LIVE_SESSIONS = 10_000;
/** A live session unused this long is closed here (any instance can serve it again later). */
const IDLE_CLOSE_MS = 30 * 60_000;
/**
 * Most messages of one JSON-RPC batch: the SDK's transport refuses a larger batch of requests,
 * and a batch of answers and notifications (which the route handles itself) is held to the same.
 */
export const MAX_BATCH_MESSAGES = 100;

/** Lets the event loop serve other requests between the messages of a batch. */
const nextTurn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/** Options of `createLegacyMcpSessions`. */
export interface LegacyMcpSessionsOptions {
  ids: McpSessionIds;
  /** A fresh server for one session. */
  createServer: () => McpServer;
  /** Carries clients' answers (JSON-RPC responses) and notifications to every instance. */
  bus: MessageBus;
  report: (error: unknown, where: string) => void;
  /**
   * Serves a request itself when it can (a call of the agent's tool), else undefined and the
   * session's server answers it. Given one JSON-RPC request at a time (a batch goes to the
   * server).
   */
  serveDirectly?: (
    request: Request,
    session: SessionRecord,
    sessionId: string,
    claims: McpSessionClaims,
    body: unknown,
  ) => Promise<Response | undefined>;
  /** Takes a client's answer or notification itself when it can (true), else it goes on the bus. */
  takeMessage?: (session: SessionRecord, message: unknown) => Promise<boolean>;
  /**
   * Most sessions kept live at once (default 10 000). Beyond it the first opened are closed, an
   * eighth of the bound at a time (see `evictOldest`); any instance can serve a closed one again.
   */
  maxLiveSessions?: number;
}

/** The 2025-11-25 side of the endpoint: stateful sessions that any instance can serve. */
export interface LegacyMcpSessions {
  /** `authInfoOf` gives what the SDK's transport is handed, for the requests it serves. */
  handle(
    request: Request,
    session: SessionRecord,
    authInfoOf: () => AuthInfo,
    body: unknown,
  ): Promise<Response>;
  /** Closes every live session of this instance. Idempotent. */
  close(): Promise<void>;
}

const channelOf = (sessionId: string): string => `mcp-session:${sessionId}`;

const jsonRpcError = (status: number, code: number, message: string): Response =>
  Response.json({ jsonrpc: '2.0', error: { code, message }, id: null }, { status });

const isAnswerOrNotification = (message: unknown): boolean =>
  isJSONRPCResultResponse(message) || isJSONRPCErrorResponse(message) || isJSONRPCNotification(message);

/**
 * Whether a body is one JSON-RPC request other than `initialize` (a string `method` and an `id`):
 * then it is neither an initialize request nor an answer or notification (the SDK's schemas of
 * those are strict: a request's `method` or `id` is a key they refuse), and the calls of every
 * chat skip those three schema checks and the errors their failures build.
 */
const isRequestOtherThanInitialize = (body: unknown): boolean => {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return false;
  const method: unknown = Reflect.get(body, 'method');
  return (
    typeof method === 'string' &&
    method !== 'initialize' &&
    Object.hasOwn(body, 'id') &&
    Reflect.get(body, 'id') !== undefined
  );
};

/**
 * 2025-11-25 sessions without affinity. `initialize` mints a signed session id that carries the
 * handshake (protocol version, capabilities, client info, owner). An instance that gets a
 * request for a session it does not hold checks the id and replays that handshake into a fresh
 * server, which then serves the request. What a client sends that another instance may be
 * waiting for (its answers to `elicitation/create`, `notifications/cancelled`) goes over the
 * bus to every instance holding the session, so it reaches the call wherever that runs.
 */
export function createLegacyMcpSessions(options: LegacyMcpSessionsOptions): LegacyMcpSessions {
  const live = new ChurnMap<string, LiveSession>();
  const maxLiveSessions = options.maxLiveSessions ?? MAX_LIVE_SESSIONS;
  if (!Number.isSafeInteger(maxLiveSessions) || maxLiveSessions < 1)
    throw new RangeError('createLegacyMcpSessions: maxLiveSessions must be an integer of at least 1');
  let closed = false;

  const drop = (sessionId: string): void => {
    const entry = live.get(sessionId);
    if (entry === undefined) return;
    live.delete(sessionId);
    void entry.unsubscribe
      .then((unsubscribe) => unsubscribe())
      .catch((error: unknown) => options.report(error, 'mcp session'));
    void entry.server.close().catch(() => undefined);
  };
  const sweep = (): void => {
    const cutoff = Date.now() - IDLE_CLOSE_MS;
    for (const [id, entry] of live) if (entry.lastUsed < cutoff) drop(id);
    evictOldest(live, maxLiveSessions, drop);
  };
  const timer = setInterval(sweep, 60_000);
  timer.unref();

  const open = async (sessionId: string): Promise<LiveSession> => {
    const transport = new WebStandardStreamableHTTPServerTransport({
      sessionIdGenerator: () => sessionId,
      onsessionclosed: () => drop(sessionId),
    });
    const server = options.createServer();
    await server.connect(transport);
    const entry: LiveSession = {
      server,
      transport,
      lastUsed: Date.now(),
      unsubscribe: options.bus.subscribe(channelOf(sessionId), (payload) => {
        transport.onmessage?.(payload as JSONRPCMessage);
      }),
    };
    await entry.unsubscribe;
    live.set(sessionId, entry);
    // Only the bound here: idle sessions are the minute timer's, so an open costs the same at
    // any number of live sessions (a sweep walks every one).
    evictOldest(live, maxLiveSessions, drop);
    return entry;
  };

  /** Opens the session here by replaying its handshake. */
  const restore = async (sessionId: string, claims: McpSessionClaims, url: string, authInfo: AuthInfo) => {
    const entry = await open(sessionId);
    const headers = {
      'content-type': 'application/json',
      accept: 'application/json, text/event-stream',
      'mcp-protocol-version': claims.protocolVersion,
    };
    const initialize = await entry.transport.handleRequest(
      new Request(url, {
        method: 'POST',
        headers,
        body: JSON.stringify({
          jsonrpc: '2.0',
          id: 'restore',
          method: 'initialize',
          params: {
            protocolVersion: claims.protocolVersion,
            capabilities: claims.capabilities,
            clientInfo: claims.clientInfo,
          },
        }),
      }),
      { authInfo },
    );
    await initialize.text();
    const initialized = await entry.transport.handleRequest(
      new Request(url, {
        method: 'POST',
        headers: { ...headers, 'mcp-session-id': sessionId },
        body: JSON.stringify({ jsonrpc: '2.0', method: 'notifications/initialized' }),
      }),
      { authInfo },
    );
    await initialized.text();
    return entry;
  };

  return {
    async handle(request, session, authInfoOf, body) {
      if (closed) return jsonRpcError(503, -32000, 'The gateway is shutting down');
      const isPost = request.method === 'POST';
      const isRequest = isPost && isRequestOtherThanInitialize(body);
      if (isPost && !isRequest && isInitializeRequest(body)) {
        const params = body.params;
        const sessionId = options.ids.mint(session, {
          protocolVersion: params.protocolVersion,
          capabilities: params.capabilities,
          clientInfo: {
            name: params.clientInfo.name.slice(0, 200),
            version: params.clientInfo.version.slice(0, 100),
          },
        });
        if (sessionId === undefined)
          return jsonRpcError(400, -32600, 'The client capabilities are too large');
        const entry = await open(sessionId);
        return entry.transport.handleRequest(request, { parsedBody: body, authInfo: authInfoOf() });
      }
      const sessionId = request.headers.get('mcp-session-id');
      if (sessionId === null)
        return jsonRpcError(400, -32000, 'Bad Request: Mcp-Session-Id header is required');
      const claims = options.ids.verify(sessionId, session);
      if (claims === undefined) return jsonRpcError(404, -32001, 'Session not found');
      const messages = Array.isArray(body) ? (body as unknown[]) : [body];
      if (messages.length > MAX_BATCH_MESSAGES) {
        // Refused whole, in the words of the SDK's transport for a batch of requests.
        return jsonRpcError(
          400,
          -32600,
          `Invalid Request: Batch must not exceed ${MAX_BATCH_MESSAGES} messages`,
        );
      }
      if (isPost && !isRequest && messages.length > 0 && messages.every(isAnswerOrNotification)) {
        // Answers and notifications reach the session wherever its call runs; a batch yields
        // between its messages, so that it does not hold up the instance's other requests.
        for (const [index, message] of messages.entries()) {
          if (index > 0) await nextTurn();
          if ((await options.takeMessage?.(session, message)) === true) continue;
          await options.bus.publish(channelOf(sessionId), message);
        }
        return new Response(null, { status: 202 });
      }
      if (isRequest) {
        const served = await options.serveDirectly?.(request, session, sessionId, claims, body);
        if (served !== undefined) return served;
      }
      const authInfo = authInfoOf();
      const entry = live.get(sessionId) ?? (await restore(sessionId, claims, request.url, authInfo));
      entry.lastUsed = Date.now();
      return entry.transport.handleRequest(request, {
        ...(isPost ? { parsedBody: body } : {}),
        authInfo,
      });
    },
    async close() {
      if (closed) return;
      closed = true;
      clearInterval(timer);
      for (const id of [...live.keys()]) drop(id);
      await Promise.resolve();
    },
  };
}
