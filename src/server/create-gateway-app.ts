import { Hono } from 'hono';
import { GatewayError } from '../core/errors.js';
import { randomBytes } from 'node:crypto';
import { isSharedStores } from './chat/remote-runs.js';
import { startAppTakeover } from './chat/start-app-takeover.js';
import type { RunTakeover } from './chat/take-over-runs.js';
import type { SharedRunSettings } from './chat/share-run.js';
import { createHttpLimits } from './rate-limit/create-http-limits.js';
import { resolveGatewayStores } from './resolve-gateway-stores.js';
import { createRunRegistry, DEFAULT_STREAM_RETENTION_MS } from './chat/run-registry.js';
import type { GatewayApp, ListeningServer } from './gateway-app.js';
import type { GatewayServerConfig } from './gateway-config.js';
import { createJsonLineLogger } from '../agent/json-line-logger.js';
import type { Logger } from '../core/logger.js';
import { createHostGuardMiddleware, isLoopbackHost } from './http/host-guard-middleware.js';
import { createCorsMiddleware } from './http/cors-middleware.js';
import { HttpError, isHttpError } from './http/http-error.js';
import { DEFAULT_MAX_BODY_BYTES } from './http/read-json-body.js';
import { listenOnNode } from './listen.js';
import { normalizePrefix } from './normalize-prefix.js';
import { abandonSseResponse, settleSseResponse } from './sse/sse-response.js';
import { createGatewayRoutes } from './routes/gateway-routes.js';
import { createGatewayMetrics, type GatewayMetrics } from './metrics/create-gateway-metrics.js';
import { loadPromClient } from './metrics/load-prom-client.js';
import { mountPlayground, PLAYGROUND_PATH } from './playground/playground-routes.js';
import { createMetricsMiddleware, mountMetricsRoute } from './metrics/metrics-routes.js';
import { createTraceContextMiddleware } from './http/trace-context-middleware.js';
import { createAccessLogMiddleware } from './http/access-log-middleware.js';
import { createCloseConnectionsMiddleware } from './http/close-connections-middleware.js';
import { createAnswerOutbox } from './pending-tools/answer-outbox.js';
import { createAuthManager } from './sessions/create-auth-manager.js';
import { generateJwtSecret } from './sessions/generate-jwt-secret.js';
import { parseSpec } from '../spec/parse-spec.js';
import { gatewayAppSpecSchema, type GatewayAppOptions } from './server-spec.js';
import { toServerSettings } from './to-server-settings.js';
import { RENAMED_SERVER_OPTIONS } from '../spec/renamed-options.js';

/** Models accepted when `allowedModels` is not given (the original's default). */
export const DEFAULT_ALLOWED_MODELS: readonly string[] = ['claude-sonnet-4-6', 'claude-opus-4-6'];

/**
 * The `origin` option of Hono's `cors()`: it matches an array literally, so a `'*'` entry (the
 * original's "allow any origin") must become the wildcard string or no origin would be allowed.
 */
const toCorsOrigin = (origins: readonly string[]): string | string[] =>
  origins.includes('*') ? '*' : [...origins];

/** Default lifetime of a run's lease without renewal. */
export const DEFAULT_RUN_LEASE_MS = 15_000;

/** How long `close()` waits for cancelled runs to wind down. */
const DRAIN_TIMEOUT_MS = 10_000;

/** Waits, at most `timeoutMs`, for `promises` to settle (shutdown never hangs on one). */
const settleWithin = async (promises: ReadonlyArray<Promise<unknown>>, timeoutMs: number): Promise<void> => {
  if (promises.length === 0) return;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<void>((resolve) => {
    timer = setTimeout(resolve, timeoutMs);
  });
  await Promise.race([Promise.allSettled(promises), timeout]);
  clearTimeout(timer);
};

/** Lets mirrors write the end of their runs for a bounded time, then stops them. */
const finishMirrors = async (shared: SharedRunSettings): Promise<void> => {
  const mirrors = [...shared.pendingMirrors];
  await settleWithin(
    mirrors.map((mirror) => mirror.finish()),
    MIRROR_FLUSH_TIMEOUT_MS,
  );
  for (const mirror of mirrors) mirror.close();
};

/** How long `close()` waits for Redis to record that this instance is gone. */
const LEAVE_TIMEOUT_MS = 1_000;

/** How long `close()` lets run mirrors flush to a shared store. */
const MIRROR_FLUSH_TIMEOUT_MS = 5_000;

/**
 * Creates the HTTP gateway around a runtime builder of your own: session init, SSE chat,
 * approvals, client-side tool results and a health check under `server.prefix`. The options
 * are checked before anything starts (unknown keys name the closest known one). Startup hooks
 * run on `start()` (called by `listen()` and by the first request); `close()` drains running
 * chats and runs shutdown hooks once.
 */
export function createGatewayApp(options: GatewayAppOptions): GatewayApp {
  const { buildChatRuntime, defaultModel, isMcpTool, server, hooks, logger } = parseSpec(
    gatewayAppSpecSchema,
    options,
    'createGatewayApp',
    RENAMED_SERVER_OPTIONS,
  );
  return buildGatewayApp({
    ...toServerSettings(server, hooks),
    buildChatRuntime,
    ...(defaultModel === undefined ? {} : { defaultModel }),
    ...(isMcpTool === undefined ? {} : { isMcpTool }),
    ...(logger === undefined ? {} : { logger }),
  });
}

/** The gateway from its internal, already checked configuration (`createAgent` builds one). */
export function buildGatewayApp(options: GatewayServerConfig): GatewayApp {
  const config: GatewayServerConfig & { logger: Logger } = {
    ...options,
    logger: options.logger ?? createJsonLineLogger(),
  };
  const report =
    config.onError ??
    ((error: unknown, where: string) => console.error(`[ai-agent-gateway] ${where} failed:`, error));
  const { stores, owned: ownsStores } = resolveGatewayStores({
    ...(config.stores === undefined ? {} : { stores: config.stores }),
    ...(config.store === undefined ? {} : { store: config.store }),
    report,
  });
  const instanceId = config.instanceId ?? randomBytes(6).toString('hex');
  const shared: SharedRunSettings | undefined = isSharedStores(stores)
    ? {
        instanceId,
        leaseOwner: `${instanceId}.${randomBytes(4).toString('hex')}`,
        retentionSeconds: Math.ceil((config.streamRetentionMs ?? DEFAULT_STREAM_RETENTION_MS) / 1000),
        leaseMs: config.runLeaseMs ?? DEFAULT_RUN_LEASE_MS,
        pendingMirrors: new Set(),
        leaseKeepers: new Set(),
      }
    : undefined;
  const limits = createHttpLimits({
    ...(config.rateLimit === undefined ? {} : { rateLimit: config.rateLimit }),
    ...(config.tokenBudget === undefined ? {} : { tokenBudget: config.tokenBudget }),
    ...(stores.createRateLimiter === undefined ? {} : { createRateLimiter: stores.createRateLimiter }),
  });
  const auth = createAuthManager({
    secret: config.jwtSecret ?? generateJwtSecret(),
    validApiKeys: config.validApiKeys ?? [],
    ...(config.sessionTtl === undefined ? {} : { sessionTtlSeconds: config.sessionTtl }),
    sessions: stores.sessions,
    ...(config.onSessionExpired === undefined ? {} : { onSessionExpired: config.onSessionExpired }),
    onError: (error) => report(error, 'session expiry'),
  });
  const prefix = normalizePrefix(config.prefix);
  let metrics: GatewayMetrics | undefined;
  const runs = createRunRegistry({
    onAdd: (run) => metrics?.observeRun(run),
    ...(config.disconnectGraceMs === undefined ? {} : { disconnectGraceMs: config.disconnectGraceMs }),
    ...(config.streamRetentionMs === undefined ? {} : { retentionMs: config.streamRetentionMs }),
  });
  const allowedModels = new Set(config.allowedModels ?? DEFAULT_ALLOWED_MODELS);
  const listeners = new Set<ListeningServer>();
  let takeover: RunTakeover | undefined;
  const runStarts = new Set<Promise<unknown>>();
  let closing: Promise<void> | undefined;
  let starting: Promise<void> | undefined;
  let started = false;

  const hono = new Hono();
  hono.use('*', createTraceContextMiddleware());
  hono.use('*', createAccessLogMiddleware(config.logger));
  hono.use(
    '*',
    createCloseConnectionsMiddleware(() => closing !== undefined),
  );
  if (config.metrics !== undefined && config.metrics !== false) {
    hono.use(
      '*',
      createMetricsMiddleware(() => metrics),
    );
    mountMetricsRoute(hono, () => metrics, config.metrics === true ? undefined : config.metrics.token);
  }
  hono.use(
    '*',
    createHostGuardMiddleware({
      allowedHosts: config.allowedHosts ?? [],
      isEnforced: () =>
        config.allowedHosts !== undefined ||
        (listeners.size > 0 && [...listeners].every((server) => isLoopbackHost(server.host))),
    }),
  );
  // No origin is allowed unless listed: without CORS headers a browser shows no answer to a
  // page of another origin, and the JSON-only bodies make it ask (preflight) before posting.
  if (config.corsOrigins !== undefined && config.corsOrigins.length > 0) {
    hono.use(
      '*',
      createCorsMiddleware({
        origin: toCorsOrigin(config.corsOrigins),
        allowHeaders: config.corsAllowHeaders ?? ['Authorization', 'Content-Type', 'X-MCP-Secret'],
        allowMethods: config.corsAllowMethods ?? ['GET', 'POST', 'OPTIONS'],
        credentials: false,
      }),
    );
  }
  hono.onError((error, context) => {
    if (isHttpError(error)) return error.toResponse();
    // A client that closed its request (a slow body, a dropped connection) is not a failure
    // of ours: logging each with a stack would let any client flood the log.
    if (context.req.raw.signal.aborted) {
      config.logger.debug('request closed by the client', {
        method: context.req.method,
        path: context.req.path,
      });
      return Response.json({ detail: 'Client closed request' }, { status: 499 });
    }
    report(error, 'request');
    return Response.json({ detail: 'Internal server error' }, { status: 500 });
  });
  if (config.playground === true) mountPlayground(hono, { prefix, models: [...allowedModels] });
  hono.notFound(() => Response.json({ detail: 'Not Found' }, { status: 404 }));
  const answerOutbox = createAnswerOutbox({
    bus: stores.bus,
    pendingTools: stores.pendingTools,
    report,
    isAvailable: () => stores.isAvailable?.() ?? true,
  });
  hono.route(
    prefix === '' ? '/' : prefix,
    createGatewayRoutes({
      config,
      stores,
      auth,
      allowedModels,
      maxBodyBytes: config.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES,
      runs,
      limits,
      ...(shared === undefined ? {} : { shared }),
      isClosing: () => closing !== undefined,
      runStarts,
      report,
      trackStream: () => metrics?.streamOpened() ?? (() => undefined),
      answerOutbox,
    }),
  );

  const start = (): Promise<void> => {
    starting ??= (async () => {
      if (closing !== undefined) throw new GatewayError('internal_error', 'the gateway app is closed');
      await stores.connect?.();
      if (config.metrics !== undefined && config.metrics !== false) {
        metrics = createGatewayMetrics(await loadPromClient(), {
          model: config.defaultModel,
          activeRuns: () => runs.activeCount(),
          runFollowers: () => runs.followerCount(),
          storeRoundTrips: stores.roundTrips?.bind(stores),
        });
      }
      await config.onStartup?.();
      started = true;
      const runLeases = stores.runLeases;
      if (shared !== undefined && runLeases !== undefined && isSharedStores(stores)) {
        takeover = startAppTakeover({
          config,
          stores: { ...stores, runLeases },
          settings: shared,
          allowedModels,
          runs,
          limits,
          report,
          metrics: () => metrics,
        });
      }
      auth.startExpirySweep(
        config.sessionCleanupIntervalMs === undefined ? {} : { intervalMs: config.sessionCleanupIntervalMs },
      );
    })();
    return starting;
  };

  const drainRuns = async (): Promise<void> => {
    await takeover?.close();
    // Runs whose start was under way when close() began are drained like the others.
    await settleWithin([...runStarts], DRAIN_TIMEOUT_MS);
    const active = runs.activeRuns();
    const reason = 'cancelled: the gateway is shutting down';
    for (const run of active) {
      if (config.handOverRunsOnClose === true) void run.handOver(reason);
      else run.abort(reason);
    }
    await settleWithin(
      active.map((run) => run.done),
      DRAIN_TIMEOUT_MS,
    );
    runs.close();
    if (shared !== undefined) await finishMirrors(shared);
    // Whatever this instance still holds (a run that did not drain in time) is claimable at once.
    // Bounded: with Redis out of reach the command would wait for a reconnect that may never come.
    const leases = stores.runLeases;
    if (shared !== undefined && takeover !== undefined && leases !== undefined) {
      await settleWithin(
        [leases.leave(shared.leaseOwner).catch((error: unknown) => report(error, 'leave'))],
        LEAVE_TIMEOUT_MS,
      );
    }
  };

  return {
    hono,
    prefix,
    ...(config.playground === true ? { playgroundPath: PLAYGROUND_PATH } : {}),
    async fetch(request) {
      try {
        await start();
      } catch (error) {
        report(error, 'startup');
        return HttpError.detail(503, 'Gateway failed to start').toResponse();
      }
      // A stream written straight to the Node response gets its head from the final response.
      let response: Response;
      try {
        response = await hono.fetch(request);
      } catch (error) {
        abandonSseResponse(request);
        throw error;
      }
      return settleSseResponse(request, response);
    },
    start,
    async listen(options = {}) {
      await start();
      const server = await listenOnNode((request) => this.fetch(request), options);
      listeners.add(server);
      return server;
    },
    close() {
      closing ??= (async () => {
        // Readiness answers 503 from now on (closing is set); no new connection is accepted,
        // so a load balancer routes new requests elsewhere while the runs drain.
        for (const server of listeners) server.stopAccepting();
        await drainRuns();
        // Answers nobody received yet are un-claimed, so that their clients' retries count.
        await answerOutbox.close();
        if (started) {
          try {
            await config.onShutdown?.();
          } catch (error) {
            report(error, 'onShutdown');
          }
        }
        await auth.close();
        await Promise.allSettled([...listeners].map((server) => server.close()));
        listeners.clear();
        if (ownsStores) await stores.close();
      })();
      return closing;
    },
  };
}
