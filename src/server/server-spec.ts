import { z } from 'zod';
import type { RunUsage, ToolTiming } from '../agent/agent-hooks.js';
import type { Logger } from '../core/logger.js';
import type { GatewayEvent } from '../core/events.js';
import type { GatewayStores, SessionRecord } from '../core/stores.js';
import { redisSentinelSchema } from '../stores/redis/redis-stores-options.js';
import { callable, objectOf, positiveInteger, positiveNumber } from '../spec/parse-spec.js';
import type { ChatRequestInfo, ChatRuntime } from './gateway-config.js';
import { connectionOptionsShape } from './connections/connection-options.js';

const isStores = (value: unknown): value is GatewayStores =>
  typeof value === 'object' &&
  value !== null &&
  'sessions' in value &&
  'pendingTools' in value &&
  'bus' in value &&
  typeof (value as { close?: unknown }).close === 'function';

/** Where shared state lives: this process (default), one Redis, or stores of your own. */
export const storeSchema = z.union(
  [
    z.literal('memory'),
    z.strictObject({
      /** `redis://[:password@]host:port[/db]` or `rediss://` (TLS). */
      redis: z.string().regex(/^rediss?:\/\//, 'must be a redis:// or rediss:// URL'),
      /** Prefix of every key and channel (default `aag:`). */
      keyPrefix: z.string().min(1).optional(),
      /** How long start-up waits for Redis before failing, in ms (default 5 000). */
      connectTimeoutMs: positiveNumber().optional(),
      /** `redis` is a node of a Redis Cluster (docs/scaling.md, "Redis topologies"). */
      cluster: z.boolean().optional(),
      /** More cluster nodes to start from (`redis://` URLs). */
      clusterNodes: z
        .array(z.string().regex(/^rediss?:\/\//, 'must be a redis:// or rediss:// URL'))
        .optional(),
      /** The master is found through Sentinel; `redis` then gives credentials, db and TLS only. */
      sentinel: redisSentinelSchema.optional(),
    }),
    z.custom<GatewayStores>(isStores),
  ],
  { error: "must be 'memory', { redis: 'redis://...' } or a GatewayStores object" },
);

/** `store`: `'memory'`, `{ redis: url }` or a `GatewayStores` object (kept open by its owner). */
export type StoreSpec = z.input<typeof storeSchema>;

const windowSchema = <Count extends string>(count: Count) =>
  z.strictObject({ [count]: positiveInteger(), windowMs: positiveNumber() } as Record<
    Count | 'windowMs',
    z.ZodNumber
  >);

/** The `server` options, before the checks between them. */
const serverOptionsSchema = z.strictObject({
  /** HMAC secret of session tokens (default: 64 random hex characters per process). */
  jwtSecret: z.string().min(1).optional(),
  /** Session lifetime in ms (default 3 600 000). */
  sessionTtlMs: positiveNumber().optional(),
  /**
   * Accepts a valid, unexpired session token whose session this instance does not hold by
   * restoring the session from the token (its "always allow" grants are not restored). For
   * development restarts: `agent-gateway serve --watch` turns it on with a secret kept across
   * restarts. Default off: a session ends with the store that held it.
   */
  restoreSessionsFromTokens: z.boolean().optional(),
  /** Accepted API keys; empty (default) accepts any non-empty key. */
  validApiKeys: z.array(z.string().min(1), { error: 'must be an array of keys' }).optional(),
  /**
   * Without `validApiKeys`, lets `listen()` serve a non-loopback address anyway: any non-empty
   * key then opens a session (a public demo). Default false: such a `listen()` is refused.
   */
  allowAnyApiKey: z.boolean().optional(),
  /** Live sessions the gateway keeps at once (default 100 000); beyond, `/chat/init` gets 503. */
  maxSessions: positiveInteger().optional(),
  /** Sessions one client address may open per window (default 60 per 60 000 ms); beyond, 429. */
  sessionRateLimit: windowSchema('sessions').optional(),
  /** Origins whose web pages may call the gateway (CORS; default none, `['*']` any). */
  corsOrigins: z.array(z.string()).optional(),
  corsAllowHeaders: z.array(z.string()).optional(),
  corsAllowMethods: z.array(z.string()).optional(),
  /** `Host` names served besides the loopback names; others get 421 (DNS rebinding). */
  allowedHosts: z.array(z.string()).optional(),
  /** Models a request may pick with `model`; `[]` allows any. */
  allowedModels: z.array(z.string().trim().min(1), { error: 'must be an array of model names' }).optional(),
  /** Route prefix (default `/api`; `''` for none). */
  prefix: z.string().optional(),
  /**
   * Serves Prometheus metrics at `GET /metrics` (outside the prefix, behind the `Host` check).
   * `true`, or `{ token }` to require `Authorization: Bearer <token>` from the scraper; on an
   * address other than loopback `listen()` refuses to start without a token. Needs the
   * optional `prom-client` package. Default off.
   */
  metrics: z.union([z.boolean(), z.strictObject({ token: z.string().min(1).optional() })]).optional(),
  /**
   * Serves the playground page at `GET /playground` (and redirects `GET /` to it): chat,
   * approvals, client-side tools, stop and resume from a browser, behind the same session
   * auth as every client. `{ notice }` serves it with a line above the conversation (what
   * `agent-gateway serve --demo` uses to say the answers are scripted). Default off
   * (`agent-gateway serve` turns it on on loopback).
   */
  playground: z
    .union([z.boolean(), z.strictObject({ notice: z.string().trim().min(1).max(500) })], {
      error: 'must be true, false or { notice: string }',
    })
    .optional(),
  /** Directory of JSONL transcripts, one file per session. */
  transcriptDir: z.string().min(1).optional(),
  /** Largest accepted request body in bytes (default 1 MiB). */
  maxBodyBytes: positiveInteger().optional(),
  /** Deepest JSON nesting of a request body (default 64); deeper gets 422. */
  maxJsonDepth: positiveInteger().optional(),
  /** Runs this instance accepts at once (default 256); beyond it `POST /chat` gets 503. */
  maxConcurrentRuns: positiveInteger().optional(),
  /** Runs of one API key at once, parked ones included (default 64); beyond, 429. */
  maxRunsPerApiKey: positiveInteger().optional(),
  /**
   * Tool calls of one API key waiting for a client's answer (approvals, client-side tools) at
   * once (default 32): the key's next run gets 429, a call beyond fails with `limit_reached`.
   */
  maxParkedCallsPerApiKey: positiveInteger().optional(),
  /** Tool calls of one session waiting for an answer at once (default 16); beyond, `limit_reached`. */
  maxParkedCallsPerSession: positiveInteger().optional(),
  /** Bytes one SSE connection may hold for a slow client before it is dropped (default 1 MiB). */
  maxBufferedBytesPerStream: positiveInteger().optional(),
  /** Connections that may stream one run from this instance (default 8); the next gets 429. */
  maxFollowersPerRun: positiveInteger().optional(),
  /** Interval of SSE heartbeats in ms (default 15 000). */
  heartbeatIntervalMs: positiveNumber().optional(),
  /** How long an approval request waits, in ms (default 120 000). */
  approvalTimeoutMs: positiveNumber().optional(),
  /** How long a client-side tool call waits for its result, in ms (default 120 000). */
  clientToolTimeoutMs: positiveNumber().optional(),
  /** How long a run goes on after its last client left, in ms (default 30 000; 0 cancels at once). */
  disconnectGraceMs: z.number().min(0).optional(),
  /** How long a finished run can still be re-attached, in ms (default 600 000). */
  streamRetentionMs: positiveNumber().optional(),
  /**
   * Bytes of events (as JSON) a finished run keeps for replays, in memory and in Redis (default
   * 16 MiB); older ones are dropped, and a resume from before them ends with `stream_truncated`.
   */
  maxRetainedBytesPerRun: positiveInteger().optional(),
  /**
   * Bytes of events the finished runs of this instance keep in memory together (default
   * 128 MiB); past it the runs that finished first lose their oldest events first.
   */
  maxRetainedBytes: positiveInteger().optional(),
  /** When set, streams start with `retry: <ms>` (EventSource's reconnect delay). */
  sseRetryMs: positiveNumber().optional(),
  /** Period of the expired-session sweep in ms (default 300 000). */
  sessionCleanupIntervalMs: positiveNumber().optional(),
  /** Shared state (default `'memory'`). */
  store: storeSchema.optional(),
  /** Id of this instance in the run directory (default: random). */
  instanceId: z.string().min(1).optional(),
  /** With Redis: how long a run's lease lasts without renewal, in ms (default 15 000). */
  runLeaseMs: positiveNumber().optional(),
  /** With Redis: pause between two heartbeats of an instance, in ms (default 400). */
  instanceHeartbeatMs: positiveNumber().optional(),
  /** With Redis: silence after which an instance's runs are taken over (default 3 heartbeats). */
  instanceSilentMs: positiveNumber().optional(),
  /** With Redis: on `close()`, hand running runs to other instances instead of cancelling them. */
  handOverRunsOnClose: z.boolean().optional(),
  /** Per-API-key request limit: 429 with `retry-after` once exceeded. */
  rateLimit: windowSchema('requests').optional(),
  /** Per-API-key token budget per window: a new chat gets 429 once it is spent. */
  tokenBudget: windowSchema('tokens').optional(),
  /** Runs once before the first request is served. */
  onStartup: callable<() => void | Promise<void>>().optional(),
  /** Runs once on `close()`, if start-up completed. */
  onShutdown: callable<() => void | Promise<void>>().optional(),
  /** Runs for each expired session (release per-session resources). */
  onSessionExpired: callable<(session: SessionRecord) => void | Promise<void>>().optional(),
  /** Where failures nobody awaits are reported (default: stderr). */
  onError: callable<(error: unknown, where: string) => void>().optional(),
  /** Timeouts and caps of client connections (`connections/connection-options.ts`). */
  ...connectionOptionsShape,
});

/** Settings only a served agent has: sessions, HTTP limits, streams, scale-out, lifecycle hooks. */
export const serverSpecSchema = serverOptionsSchema.refine(
  (server) => server.headersTimeoutMs <= server.requestTimeoutMs,
  {
    message: 'must not be longer than requestTimeoutMs (a whole request includes its headers)',
    path: ['headersTimeoutMs'],
  },
);

/** The `server` group of `createAgent` and `createGatewayApp`. */
export type ServerSpec = z.input<typeof serverSpecSchema>;

/** Hooks the gateway calls from the events of any runner (`createGatewayApp`). */
export const gatewayHooksSchema = z.strictObject({
  /** Every event of every run, with its session id (sub-agents: the parent's id third). */
  onEvent:
    callable<
      (event: GatewayEvent, sessionId: string, parentSessionId?: string) => void | Promise<void>
    >().optional(),
  /** Token totals of each completed run. */
  onRunUsage: callable<(usage: RunUsage) => void | Promise<void>>().optional(),
  /** Timing of each finished tool call, from its `tool_call_complete` (no `resultBytes`). */
  onToolTiming: callable<(timing: ToolTiming) => void>().optional(),
});

/** Options of `createGatewayApp`: a runtime builder with the server settings around it. */
export const gatewayAppSpecSchema = z.strictObject({
  /** Builds the runtime of each chat request (required). */
  buildChatRuntime: callable<(info: ChatRequestInfo) => ChatRuntime | Promise<ChatRuntime>>(),
  /** Model used when neither the runtime nor the request names one. */
  defaultModel: z.string().min(1).optional(),
  /** Whether a tool is served by an MCP server (shown as a dynamic tool by `/ui/chat`). */
  isMcpTool: callable<(toolName: string) => boolean>().optional(),
  /**
   * Whether a tool is one of the agent's own (server-side or configured client-side): metrics
   * name only these tools and MCP tools, every other name is counted as `other`. Default: none.
   */
  isAgentTool: callable<(toolName: string) => boolean>().optional(),
  server: serverSpecSchema.prefault({}),
  hooks: gatewayHooksSchema.optional(),
  /** How incoming trace context is used (see the agent spec's `tracing.trustIncomingContext`). */
  tracing: z.strictObject({ trustIncomingContext: z.boolean().optional() }).optional(),
  /** Structured log lines (default: JSON lines on stderr from `warn` up). */
  logger: objectOf<Logger>('a logger ({ debug, info, warn, error })').optional(),
});

/** Options of `createGatewayApp`. */
export type GatewayAppOptions = z.input<typeof gatewayAppSpecSchema>;
