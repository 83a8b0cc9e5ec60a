import { A2A_VERSION_HEADER, type AgentCard } from '@a2a-js/sdk';
import { JsonRpcTransportHandler, ServerCallContext } from '@a2a-js/sdk/server';
import { LegacyJsonRpcTransportHandler } from '@a2a-js/sdk/compat/v0_3/server';
import { VersionNotSupportedError } from '@a2a-js/sdk/errors';
import { HttpError, isHttpError } from '../../../core/http-error.js';
import type { CheckedRouteHandler, RouteHandler } from '../../http/route-handler.js';
import type { ProtocolRouteContext } from '../protocol-route-context.js';
import type { A2aSettings } from '../../contracts/a2a-option.js';
import { createA2aPushNotifications, type A2aPushNotifications } from './a2a-push-notifications.js';
import {
  BUDGET_REFUSAL_STATE_KEY,
  BUDGET_STANDING_STATE_KEY,
  GatewayA2aHandler,
  SIGNAL_STATE_KEY,
} from './a2a-request-handler.js';
import { setBudgetHeaders } from '../../contracts/budget-wire.js';
import type { BudgetStanding } from '../../../core/budget-gate.js';
import { SessionUser } from './a2a-session-user.js';
import { buildAgentCard, type AgentSkillInfo } from '../../contracts/agent-card.js';
import { createAgentCardHandler } from './a2a-agent-card-route.js';
import { streamDirectly } from './a2a-direct-stream.js';
import { streamTransportResult } from './a2a-stream-result.js';
import { createTaskContexts } from './task-contexts.js';
import { isRecord } from './is-record.js';

/** What the A2A routes need beyond the adapter context. */
export interface A2aRouteOptions {
  settings: A2aSettings;
  prefix: string;
  /** The agent's name when `server.a2a.name` is not set. */
  fallbackName: string | undefined;
  /** The agent's markdown skills, for the card. */
  skills: () => Promise<readonly AgentSkillInfo[]>;
}

/** The handlers of the A2A routes and the resources they hold. */
export interface A2aRoutes {
  /** `POST /a2a`, relative to the prefix, behind its own session check (an API key as bearer, scopes). */
  call: CheckedRouteHandler;
  /** `GET /.well-known/agent-card.json`, at the root. */
  agentCard: RouteHandler;
  /** Stops push deliveries. Idempotent. */
  close(): void;
}

const isAsyncIterable = (value: unknown): value is AsyncIterable<unknown> =>
  typeof value === 'object' && value !== null && Symbol.asyncIterator in value;

const originOf = (request: Request): string => new URL(request.url).origin;

/** What `begin` left under `BUDGET_STANDING_STATE_KEY`: a budget standing, or nothing. */
const isStanding = (value: unknown): value is BudgetStanding =>
  isRecord(value) && typeof value['limitUsd'] === 'number' && typeof value['remainingUsd'] === 'number';

/** The JSON-RPC envelope of an error before any method ran (parse errors, bad versions). */
const rpcError = (id: unknown, error: { code: number; message: string }): Record<string, unknown> => ({
  jsonrpc: '2.0',
  id: typeof id === 'string' || typeof id === 'number' ? id : null,
  error,
});

/**
 * The A2A binding: JSON-RPC at `{prefix}/a2a` through the SDK's transport handlers (1.0 when the
 * request says `A2A-Version: 1.0`, the 0.3 method names otherwise), behind the session bearer
 * token, and the agent card at the root's well-known path, 1.0- or 0.3-shaped by the same header.
 */
export function createA2aRoutes(context: ProtocolRouteContext, options: A2aRouteOptions): A2aRoutes {
  const contexts = createTaskContexts();
  const push: A2aPushNotifications | undefined =
    options.settings.push === undefined
      ? undefined
      : createA2aPushNotifications({ ...options.settings.push, logger: context.config.logger });
  const cardFor = async (request: Request): Promise<AgentCard> =>
    buildAgentCard({
      settings: options.settings,
      origin: options.settings.url ?? originOf(request),
      prefix: options.prefix,
      fallbackName: options.fallbackName,
      skills: await options.skills(),
      ...(context.config.auth.jwt === undefined
        ? {}
        : { openIdConnect: { issuer: context.config.auth.jwt.issuer, scopes: context.requiredScopes } }),
    });
  const handlerFor = (request: Request): GatewayA2aHandler =>
    new GatewayA2aHandler({ context, agentCard: () => cardFor(request), contexts, push });

  // An A2A client configured once with a static header may send a listed API key itself.
  const requireCaller = context.requireSessionFor({ apiKeyBearer: true, requireScopes: true });
  const handle: RouteHandler = async (c) => {
    const request = c.req.raw;
    const version = request.headers.get(A2A_VERSION_HEADER) ?? '0.3';
    let body: unknown;
    try {
      body = await context.readBody(request);
    } catch (error) {
      if (isHttpError(error) && (error.status === 400 || error.status === 422)) {
        return c.json(rpcError(null, { code: -32700, message: error.message }));
      }
      throw error;
    }
    if (!isRecord(body))
      return c.json(rpcError(null, { code: -32600, message: 'A JSON-RPC request must be an object' }));
    const legacy = version === '0.3';
    const transport = legacy
      ? new LegacyJsonRpcTransportHandler(handlerFor(request))
      : new JsonRpcTransportHandler(handlerFor(request));
    const toError = (error: unknown): unknown =>
      legacy
        ? LegacyJsonRpcTransportHandler.mapToLegacyJSONRPCError(error)
        : JsonRpcTransportHandler.mapToJSONRPCError(error);
    if (!legacy && version !== '1.0') {
      return c.json(
        rpcError(
          body['id'],
          JsonRpcTransportHandler.mapToJSONRPCError(
            new VersionNotSupportedError(
              `A2A-Version ${version.slice(0, 20)} is not supported: use 1.0 or 0.3`,
            ),
          ),
        ),
      );
    }
    const callContext = new ServerCallContext({
      user: new SessionUser(c.var.session),
      requestedVersion: version,
      state: new Map([[SIGNAL_STATE_KEY, request.signal]]),
    });
    const method = body['method'];
    /** A budget's refusal of the call: its HTTP status, as on every surface, not a JSON-RPC error. */
    const refused = (): Response | undefined => {
      const refusal = callContext.state.get(BUDGET_REFUSAL_STATE_KEY);
      return refusal instanceof HttpError ? refusal.toResponse() : undefined;
    };
    /** The answer, with the `x-budget-*` headers of a task started under a budget. */
    const answered = (response: Response): Response => {
      const standing: unknown = callContext.state.get(BUDGET_STANDING_STATE_KEY);
      if (isStanding(standing)) setBudgetHeaders(response.headers, standing);
      return response;
    };
    if (!legacy && (method === 'SendStreamingMessage' || method === 'SubscribeToTask')) {
      const fast = await streamDirectly(context, handlerFor(request), body, callContext, request);
      if (fast !== undefined) return refused() ?? answered(fast);
    }
    const result = await transport.handle(body, callContext);
    const refusal = refused();
    if (refusal !== undefined) return refusal;
    if (!isAsyncIterable(result)) return answered(c.json(result));
    // A 0.3 `message/stream` starts its task at the stream's first event: read before the
    // status is sent, so that a refused start answers with its HTTP status like every surface.
    const streamed = await streamTransportResult(
      result,
      body['id'],
      toError,
      context.config.heartbeatIntervalMs,
    );
    const refusedStream = refused();
    if (refusedStream === undefined) return answered(streamed);
    await streamed.body?.cancel();
    return refusedStream;
  };

  const agentCard = createAgentCardHandler(cardFor);

  return { call: { check: requireCaller, handle }, agentCard, close: () => push?.close() };
}
