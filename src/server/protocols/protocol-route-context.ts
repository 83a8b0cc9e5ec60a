import type { MiddlewareHandler } from 'hono';
import type { GatewayStores, SessionRecord } from '../../core/stores.js';
import type { AnsweringService } from '../pending-answers/answering-service.js';
import type { SessionRuns } from '../chat/session-runs.js';
import type { GatewayServerConfig } from '../contracts/gateway-config.js';
import type { SessionEnv } from '../http/session-middleware.js';
import type { SseStreamOptions } from '../sse/sse-stream.js';
import type { AuthenticateOptions } from '../auth/create-request-authenticator.js';
import type { RequestAuthorizer } from '../auth/request-authorizer.js';
import type { ToolHistorySigner } from './tool-history-signatures.js';

/**
 * What the gateway lends the protocols (`/ui/chat`, `/ag-ui`, `/a2a`, `/mcp`: their areas of the
 * route table): the same body reader, run service and stream settings as the native routes, so
 * a protocol is a translation at the edge and nothing else. The route table puts the shutdown
 * refusal and the session check in front of their handlers.
 */
export interface ProtocolRouteContext {
  config: GatewayServerConfig;
  stores: GatewayStores;
  sessionRuns: SessionRuns;
  /** The session check with a route's own demands: an API key as bearer, an audience, scopes. */
  requireSessionFor(options: AuthenticateOptions): MiddlewareHandler<SessionEnv>;
  /** Scopes a JWT must carry on the agent protocols (`server.auth.jwt.requiredScopes`). */
  requiredScopes: readonly string[];
  /** Reads a JSON body with the gateway's content-type, size and depth limits. */
  readBody(request: Request): Promise<unknown>;
  /** Keep-alive interval, buffer limit and slow-client drop of every stream. */
  streamSettings(
    request: Request,
  ): Pick<SseStreamOptions, 'heartbeatIntervalMs' | 'maxBufferedBytes' | 'dropConnection' | 'track'>;
  report: (error: unknown, where: string) => void;
  /** Signs the tool calls and results sent to clients, and checks those in their histories. */
  toolSignatures: ToolHistorySigner;
  /** The session-token secret (`jwtSecret`, or the one kept with the data); protocols derive their seals' keys from it. */
  sessionSecret: string;
  /**
   * Cancels the session's active run wherever it runs (404 without one, 504 when its
   * instance does not confirm in time), as `POST /chat/cancel` does.
   */
  cancelRun(session: SessionRecord): Promise<{ runId: string }>;
  /**
   * The app's answering service: every answer a protocol receives goes in through it (an
   * approval or a client tool's result of the session's own call, as `POST /chat/tool-approval`
   * and `/chat/tool-result` give them; a frontend's claimed answers).
   */
  answers: Pick<AnsweringService, 'answerApproval' | 'answerToolResult' | 'answerFrontendClaims'>;
  /** False while the shared store is unreachable (answers and cancels are refused then). */
  isStoreAvailable(): boolean;
  /** `server.authorize`'s, when set (per-item questions, as for `GET /threads?scope=tenant`). */
  authorizer?: RequestAuthorizer;
}
