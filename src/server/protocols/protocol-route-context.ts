import type { MiddlewareHandler } from 'hono';
import type { GatewayStores } from '../../core/stores.js';
import type { AnswerOutbox } from '../pending-tools/answer-outbox.js';
import type { SessionRuns } from '../chat/session-runs.js';
import type { GatewayServerConfig } from '../gateway-config.js';
import type { SessionEnv } from '../http/session-middleware.js';
import type { SseStreamOptions } from '../sse/sse-stream.js';
import type { ToolHistorySigner } from './tool-history-signatures.js';

/**
 * What the gateway lends the frontend protocol adapters (`/ui/chat`, `/ag-ui`): the same
 * session check, body reader, run service and stream settings as the native routes, so an
 * adapter is a translation at the edge and nothing else.
 */
export interface ProtocolRouteContext {
  config: GatewayServerConfig;
  stores: GatewayStores;
  sessionRuns: SessionRuns;
  /** Verifies the session token and sets `c.var.session` (401 otherwise). */
  requireSession: MiddlewareHandler<SessionEnv>;
  /** 503 once the gateway is shutting down. */
  refuseWhileClosing: MiddlewareHandler;
  /** Reads a JSON body with the gateway's content-type, size and depth limits. */
  readBody(request: Request): Promise<unknown>;
  /** Keep-alive interval, buffer limit and slow-client drop of every stream. */
  streamSettings(
    request: Request,
  ): Pick<SseStreamOptions, 'heartbeatIntervalMs' | 'maxBufferedBytes' | 'dropConnection' | 'track'>;
  report: (error: unknown, where: string) => void;
  /** Signs the tool calls and results sent to clients, and checks those in their histories. */
  toolSignatures: ToolHistorySigner;
  /** The app's outbox of tool answers not received yet (see `deliverClaimedSubmission`). */
  answerOutbox?: AnswerOutbox;
}
