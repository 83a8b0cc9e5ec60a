import { createHmac } from 'node:crypto';
import {
  createMcpHandler,
  createRequestStateCodec,
  isLegacyRequest,
  type AuthInfo,
  type McpHttpHandler,
} from '@modelcontextprotocol/server';
import type { MiddlewareHandler } from 'hono';
import { isHttpError } from '../../../core/http-error.js';
import type { SessionRecord } from '../../../core/stores.js';
import type { SessionEnv } from '../../http/session-middleware.js';
import type { CheckedRouteHandler, RouteHandler } from '../../http/route-handler.js';
import type { ProtocolRouteContext } from '../protocol-route-context.js';
import {
  createAgentMcpServer,
  GATEWAY_SESSION_KEY,
  ownerBindingOf,
  sessionOfAuth,
} from './agent-mcp-server.js';
import type { PendingAnswer } from './agent-tool-run.js';
import { createLegacyMcpSessions } from './legacy-mcp-sessions.js';
import type { McpSettings } from '../../contracts/mcp-option.js';
import { createMcpSessionIds } from './mcp-session-ids.js';
import { createElicitationIds } from './elicitation-ids.js';
import { decisionOf, resumeLegacyToolCall, serveLegacyToolCall } from './legacy-tool-call.js';
import { createModernToolCallRecognizer } from './modern-tool-call-request.js';
import { isMcpCallEventId, parseMcpCallEventId } from './mcp-call-event-ids.js';
import { resumeModernToolCall, serveModernToolCall } from './modern-tool-call.js';
import { createRequestStateSealer } from './request-state-seal.js';
import { protectedResourcePath } from './protected-resource-path.js';

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** What the MCP routes need beyond the adapter context. */
export interface McpRouteOptions {
  settings: McpSettings;
  prefix: string;
  /** The version `initialize` reports. */
  version: string;
}

/** The handlers of the MCP routes and what they hold. */
export interface McpRoutes {
  /** `GET|POST|DELETE /mcp`, relative to the prefix, behind its own session check (401 naming the metadata). */
  call: CheckedRouteHandler;
  /** The protected-resource metadata (RFC 9728), at the root (with and without the endpoint's path). */
  metadata: RouteHandler;
  /** Closes the live sessions and in-flight exchanges. Idempotent. */
  close(): Promise<void>;
}

/** How long a minted request state of a waiting approval stays valid: as long as the call waits. */
const stateTtlSeconds = (context: ProtocolRouteContext): number =>
  Math.ceil(
    Math.max(context.config.approvalTimeoutMs ?? 120_000, context.config.clientToolTimeoutMs) / 1000,
  ) + 300;

/**
 * The MCP endpoint at `{prefix}/mcp`: the agent as one tool, through the official SDK, for
 * 2026-07-28 clients (`createMcpHandler`, one server per request, approvals as `input_required`
 * with an HMAC-sealed request state bound to the owner) and 2025-11-25 clients (signed sessions
 * any instance serves, approvals as `elicitation/create`). Authenticated by the gateway's session
 * bearer token, as a resource server: a missing or bad token is `401` with `WWW-Authenticate`
 * naming the protected-resource metadata.
 */
export function createMcpRoutes(context: ProtocolRouteContext, options: McpRouteOptions): McpRoutes {
  const { config } = context;
  const derived = (purpose: string): string =>
    createHmac('sha256', context.sessionSecret).update(purpose).digest('hex');
  const ownerBinding = (authInfo: AuthInfo | undefined): string => ownerBindingOf(sessionOfAuth(authInfo));
  const stateKey = derived('mcp-request-state');
  const codec = createRequestStateCodec<PendingAnswer>({
    key: stateKey,
    ttlSeconds: stateTtlSeconds(context),
    bind: (ctx) => ownerBinding(ctx.http?.authInfo),
  });
  // The codec's seal without its Web Crypto round trips, for the calls served from the log.
  const sealer = createRequestStateSealer<PendingAnswer>({
    key: stateKey,
    ttlSeconds: stateTtlSeconds(context),
  });
  const recognizeModernCall = createModernToolCallRecognizer(options.settings.toolName);
  const serverInfo = { name: options.settings.serverName, version: options.version };
  const serverOptions = { context, settings: options.settings, codec, version: options.version };
  const onerror = (error: Error): void =>
    context.config.logger.debug('MCP request refused', { error: error.message.slice(0, 300) });
  const modern: McpHttpHandler = createMcpHandler(() => createAgentMcpServer(serverOptions, 'modern'), {
    legacy: 'reject',
    onerror,
    keepAliveMs: config.heartbeatIntervalMs,
    maxRequestBodySize: config.maxBodyBytes,
  });
  const elicitationIds = createElicitationIds(derived('mcp-elicitation-id'));
  const legacy = createLegacyMcpSessions({
    ids: createMcpSessionIds(derived('mcp-session-id'), options.settings.sessionTtlMs),
    createServer: () => createAgentMcpServer(serverOptions, 'legacy'),
    bus: context.stores.bus,
    report: context.report,
    serveDirectly: (request, session, sessionId, claims, body) =>
      serveLegacyToolCall({
        context,
        toolName: options.settings.toolName,
        session,
        mcpSessionId: sessionId,
        canElicit: claims.capabilities['elicitation'] !== undefined,
        elicitationIds,
        request,
        body,
      }),
    takeMessage: async (session, message) => {
      if (!isRecord(message)) return false;
      // A cancelled call: the session's run is the call's (a session runs one at a time).
      if (message['method'] === 'notifications/cancelled') {
        await context.cancelRun(session).catch(() => undefined);
        return false;
      }
      const approval = elicitationIds.open(message['id'], session);
      if (approval === undefined) return false;
      const decision = decisionOf(message);
      const answered = await context.answers.answerApproval(session, {
        tool_call_id: approval.toolCallId,
        nonce: approval.nonce,
        approved: decision.approved,
        allow_tool_type: decision.alwaysAllow,
      });
      if (answered.status >= 300) {
        context.config.logger.warn('MCP elicitation answer refused', {
          status: answered.status,
          toolCallId: approval.toolCallId.slice(0, 100),
        });
      }
      return true;
    },
  });

  const metadataUrlOf = (request: Request): string =>
    `${new URL(request.url).origin}${protectedResourcePath(options.prefix)}`;
  /** This endpoint's resource identifier (RFC 8707): the URL clients connect to. */
  const resourceOf = (request: Request): string => `${new URL(request.url).origin}${options.prefix}/mcp`;
  const jwt = config.auth.jwt;
  const scopeParameter =
    context.requiredScopes.length === 0 ? '' : `, scope="${context.requiredScopes.join(' ')}"`;
  /**
   * The session check, answering the way MCP clients discover how to authenticate: 401 with
   * `WWW-Authenticate` naming the protected-resource metadata (and the scopes), 403
   * `insufficient_scope` for a token without them. A JWT must name this endpoint in `aud`.
   */
  const requireBearer: MiddlewareHandler<SessionEnv> = async (c, next) => {
    const check = context.requireSessionFor({
      apiKeyBearer: true,
      requireScopes: true,
      ...(jwt === undefined ? {} : { audience: resourceOf(c.req.raw) }),
    });
    try {
      await check(c, next);
    } catch (error) {
      if (isHttpError(error, 401)) {
        return c.json(error.body, 401, {
          'www-authenticate': `Bearer resource_metadata="${metadataUrlOf(c.req.raw)}"${scopeParameter}`,
        });
      }
      if (isHttpError(error, 403) && error.body['code'] === 'insufficient_scope') {
        return c.json(error.body, 403, {
          'www-authenticate': `Bearer error="insufficient_scope"${scopeParameter}, resource_metadata="${metadataUrlOf(c.req.raw)}"`,
        });
      }
      throw error;
    }
    return undefined;
  };

  const authInfoOf = (session: SessionRecord, request: Request): AuthInfo => ({
    token: (request.headers.get('authorization') ?? '').replace(/^Bearer\s+/i, ''),
    clientId: session.apiKeyHash,
    scopes: session.principal?.scopes ?? [],
    expiresAt: Math.floor(session.expiresAt),
    extra: { [GATEWAY_SESSION_KEY]: session },
  });

  const handle: RouteHandler = async (c) => {
    const request = c.req.raw;
    const session = c.var.session;
    const lastEventId = request.headers.get('last-event-id');
    // A call's stream resumed (its instance handed the run over): any instance serves the rest.
    if (request.method === 'GET' && isMcpCallEventId(lastEventId)) {
      const position = parseMcpCallEventId(lastEventId);
      return position.legacy
        ? resumeLegacyToolCall({ context, session, position, elicitationIds, request })
        : resumeModernToolCall({ context, session, position, sealer, serverInfo, request });
    }
    const body = request.method === 'POST' ? await context.readBody(request) : undefined;
    // A request naming one of our session ids is 2025-11-25 (2026-07-28 has no sessions): no
    // need to classify it.
    const ours = request.headers.get('mcp-session-id')?.startsWith('m1.') === true;
    // The hot 2026-07-28 call, served from the run's log; the SDK answers everything else.
    const modernCall = ours || body === undefined ? undefined : recognizeModernCall(request, body);
    if (modernCall !== undefined) {
      const served = await serveModernToolCall({
        context,
        session,
        call: modernCall,
        sealer,
        serverInfo,
        request,
      });
      if (served !== undefined) return served;
    }
    if (ours || (await isLegacyRequest(request, body, { maxRequestBodySize: config.maxBodyBytes }))) {
      // Built only for what the SDK serves: a call the route serves itself needs none.
      return legacy.handle(request, session, () => authInfoOf(session, request), body);
    }
    const authInfo = authInfoOf(session, request);
    return modern.fetch(request, { authInfo, ...(body === undefined ? {} : { parsedBody: body }) });
  };

  const describe = (request: Request) => ({
    resource: resourceOf(request),
    ...(jwt === undefined ? {} : { authorization_servers: [jwt.issuer] }),
    ...(context.requiredScopes.length === 0 ? {} : { scopes_supported: [...context.requiredScopes] }),
    bearer_methods_supported: ['header'],
    resource_name: options.settings.serverName,
    resource_documentation:
      jwt === undefined
        ? 'Send a gateway session token: POST <prefix>/chat/init with {"api_key": "..."} returns it as session_token.'
        : 'Send an access token of the authorization server whose audience is this resource, or a gateway session token.',
  });
  return {
    call: { check: requireBearer, handle },
    metadata: (c) => c.json(describe(c.req.raw)),
    close: async () => {
      await Promise.all([legacy.close(), modern.close()]);
    },
  };
}
