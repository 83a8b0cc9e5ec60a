import { Hono } from 'hono';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import type { GatewayStores } from '../../core/stores.js';
import type { ChatRun } from '../chat/start-chat-run.js';
import { startChatRun } from '../chat/start-chat-run.js';
import type { GatewayServerConfig } from '../gateway-config.js';
import { HttpError } from '../http/http-error.js';
import { parseBody } from '../http/parse-body.js';
import { readJsonBody } from '../http/read-json-body.js';
import { ChatBody, ChatInitBody, ToolApprovalBody, ToolResultBody } from '../http/request-schemas.js';
import { submitApproval } from '../pending-tools/submit-approval.js';
import { submitToolResult } from '../pending-tools/submit-tool-result.js';
import type { AuthManager } from '../sessions/create-auth-manager.js';
import { createSseStream, SSE_HEADERS } from '../sse/sse-stream.js';

/** What the routes share with the app that mounts them. */
export interface GatewayRouteDependencies {
  config: GatewayServerConfig;
  stores: GatewayStores;
  auth: AuthManager;
  allowedModels: ReadonlySet<string>;
  maxBodyBytes: number;
  /** Runs currently streaming, so `close()` can drain them. */
  activeRuns: Set<ChatRun>;
  isClosing: () => boolean;
  report: (error: unknown, where: string) => void;
}

const channelOf = (context: Record<string, unknown>): string | undefined => {
  const channel = context['channel'];
  return typeof channel === 'string' ? channel.trim().toLowerCase() : undefined;
};

/**
 * The gateway's routes (relative to the prefix): `POST /chat/init`, `POST /chat` (SSE),
 * `POST /chat/tool-approval`, `POST /chat/tool-result`, `GET /health`. Handlers throw
 * `HttpError`s; the app's error handler renders them.
 */
export function createGatewayRoutes(dependencies: GatewayRouteDependencies): Hono {
  const { config, stores, auth, allowedModels, maxBodyBytes, activeRuns, report } = dependencies;
  const routes = new Hono();
  const readBody = (request: Request): Promise<unknown> =>
    readJsonBody(request, { maxBytes: maxBodyBytes, signal: request.signal });

  routes.get('/health', (context) => context.json({ status: 'ok' }));

  routes.post('/chat/init', async (context) => {
    const body = parseBody(ChatInitBody, await readBody(context.req.raw));
    return context.json(await auth.initSession(body.api_key));
  });

  routes.post('/chat', async (context) => {
    if (dependencies.isClosing()) throw HttpError.detail(503, 'Gateway is shutting down');
    const session = await auth.authenticate(context.req.header('authorization'));
    const body = parseBody(ChatBody, await readBody(context.req.raw));
    if (!(await stores.sessions.acquireRunLock(session.sessionId))) {
      throw HttpError.detail(409, 'A chat stream is already active for this session');
    }
    let run: ChatRun;
    try {
      const runtime = await config.buildChatRuntime({
        session,
        request: body,
        channel: channelOf(body.context),
      });
      const model = runtime.model ?? body.model ?? config.defaultModel;
      if (allowedModels.size > 0 && (model === undefined || !allowedModels.has(model))) {
        throw HttpError.detail(400, `Invalid model: ${model ?? '(none)'}`);
      }
      run = await startChatRun({ config, stores, session, body, runtime, model, report });
    } catch (error) {
      await stores.sessions.releaseRunLock(session.sessionId);
      throw error;
    }
    activeRuns.add(run);
    void run.done.finally(() => activeRuns.delete(run));
    const stream = createSseStream({
      entries: (signal) => run.eventLog.subscribe(0, signal),
      signal: context.req.raw.signal,
      ...(config.heartbeatIntervalMs === undefined
        ? {}
        : { heartbeatIntervalMs: config.heartbeatIntervalMs }),
      // A stream that ended early (client gone, unserialisable event) has no reader left.
      onAbandoned: (reason) => run.abort(reason),
    });
    return new Response(stream, { status: 200, headers: SSE_HEADERS });
  });

  routes.post('/chat/tool-approval', async (context) => {
    const session = await auth.authenticate(context.req.header('authorization'));
    const body = parseBody(ToolApprovalBody, await readBody(context.req.raw));
    const response = await submitApproval({ stores, sessionId: session.sessionId, body });
    return context.json(response.body, response.status as ContentfulStatusCode);
  });

  routes.post('/chat/tool-result', async (context) => {
    const session = await auth.authenticate(context.req.header('authorization'));
    const body = parseBody(ToolResultBody, await readBody(context.req.raw));
    const response = await submitToolResult({ stores, sessionId: session.sessionId, body });
    return context.json(response.body, response.status as ContentfulStatusCode);
  });

  return routes;
}
