import { Hono } from 'hono';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import type { GatewayStores } from '../../core/stores.js';
import type { RunRegistry } from '../chat/run-registry.js';
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
import { parseResumePosition } from './parse-resume-position.js';

/** What the routes share with the app that mounts them. */
export interface GatewayRouteDependencies {
  config: GatewayServerConfig;
  stores: GatewayStores;
  auth: AuthManager;
  allowedModels: ReadonlySet<string>;
  maxBodyBytes: number;
  /** The runs of this instance: active, recent, and who follows them. */
  runs: RunRegistry;
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
  const { config, stores, auth, allowedModels, maxBodyBytes, runs, report } = dependencies;
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
    runs.add(run);
    return followRun(run, 0, context.req.raw.signal);
  });

  /** An SSE response that follows `run` from after `seq`; the follower leaves when it ends. */
  const followRun = (run: ChatRun, seq: number, signal: AbortSignal): Response => {
    const leave = runs.follow(run);
    const stream = createSseStream({
      entries: (streamSignal) => run.eventLog.subscribe(seq, streamSignal),
      signal,
      runId: run.runId,
      ...(config.sseRetryMs === undefined ? {} : { retryMs: config.sseRetryMs }),
      ...(config.heartbeatIntervalMs === undefined
        ? {}
        : { heartbeatIntervalMs: config.heartbeatIntervalMs }),
      onAbandoned: (reason) => {
        // An unserialisable event would break every follower the same way: end the run.
        if (reason !== 'client disconnected') run.abort(`cancelled: ${reason}`);
        leave();
      },
    });
    void run.done.finally(leave);
    return new Response(stream, { status: 200, headers: SSE_HEADERS });
  };

  routes.get('/chat/stream', async (context) => {
    const session = await auth.authenticate(context.req.header('authorization'));
    const position = parseResumePosition(context.req.header('last-event-id') ?? context.req.query('after'));
    const run = runs.latest(session.sessionId);
    if (run === undefined) throw HttpError.detail(404, 'No run to resume for this session');
    if (position.runId !== undefined && position.runId !== run.runId) {
      throw HttpError.detail(404, `Run ${position.runId} is not this session's current or most recent run`);
    }
    if (position.seq > run.eventLog.lastSeq) {
      throw HttpError.detail(
        400,
        `Last-Event-ID ${position.seq} is beyond the last event of run ${run.runId} (${run.eventLog.lastSeq})`,
      );
    }
    // Nothing left to send: 204 tells an EventSource to stop reconnecting.
    if (run.eventLog.finished && position.seq === run.eventLog.lastSeq) return context.body(null, 204);
    return followRun(run, position.seq, context.req.raw.signal);
  });

  routes.post('/chat/cancel', async (context) => {
    const session = await auth.authenticate(context.req.header('authorization'));
    const run = runs.active(session.sessionId);
    if (run === undefined || run.eventLog.finished) {
      throw HttpError.detail(404, 'No active run for this session');
    }
    run.abort('cancelled');
    await run.done;
    return context.json({ status: 'cancelled', run_id: run.runId });
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
