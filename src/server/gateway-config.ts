import type { RunUsage, ToolTiming } from '../agent/agent-hooks.js';
import type { RunOptions } from '../agent/agent-runner-options.js';
import type { GatewayEvent } from '../core/events.js';
import type { SystemPrompt } from '../core/messages.js';
import type { RequestApproval } from '../core/approval.js';
import type { CheckpointSink } from '../core/run-takeover.js';
import type { GatewayStores, SessionRecord } from '../core/stores.js';
import type { ToolDefinition, ToolCall, ToolOutcome } from '../core/tool.js';
import type { EventLog } from '../agent/event-log.js';
import type { Logger } from '../core/logger.js';
import type { ChatBody } from './http/request-schemas.js';
import type { RequestRateLimitOption, TokenBudgetOption } from './rate-limit/create-http-limits.js';
import type { ConnectionSettings } from './connections/connection-options.js';

/** What a runtime builder learns about the chat request it serves. */
export interface ChatRequestInfo {
  session: SessionRecord;
  /** The validated request body. */
  request: ChatBody;
  /** `context.channel`, lower-cased and trimmed, when it is a string. */
  channel: string | undefined;
}

/**
 * Per-run services the server lends to the runner it asks the runtime to build: the event log
 * the stream reads, the run's cancellation, and the human-in-the-loop transports.
 */
export interface RequestContext {
  session: SessionRecord;
  eventLog: EventLog;
  /** Aborted when the client disconnects or the app closes. */
  signal: AbortSignal;
  /** Asks the client for approval (`tool_approval_request` → `/chat/tool-approval`). */
  requestApproval: RequestApproval;
  /**
   * Parks a client-side tool call: emits `tool_call_start` (execution_location "client", with
   * nonce and expires_at) and resolves when `/chat/tool-result` answers or the wait times out.
   */
  requestClientToolResult: (call: ToolCall, signal: AbortSignal) => Promise<ToolOutcome>;
  /** "Always allow" keys of the session, shared with the dispatcher for this run. */
  approvedToolTypes: Set<string>;
  /**
   * Present when runs can be taken over by another instance (Redis stores): hand it to the
   * run (`runAgent`'s `onCheckpoint`) so a takeover continues from the last completed
   * step instead of from the request.
   */
  onCheckpoint?: CheckpointSink;
  /**
   * Client-side tools the request offers for this run only (AG-UI frontend tools), answered
   * through `requestClientToolResult` like the agent's own client-side tools.
   */
  clientTools?: readonly ToolDefinition[];
}

/** Anything that can run one chat, e.g. `{ run: (input) => runAgent({ ...settings, ...input }) }`. */
export interface ChatRunner {
  /** One run over the chat's history; `resume` continues a run taken over from another instance. */
  run(input: RunOptions): Promise<unknown>;
}

/** How one chat request is served; built per request by `buildChatRuntime`. */
export interface ChatRuntime {
  systemPrompt: SystemPrompt;
  /** The model of this chat (checked against `allowedModels`); default: the request's. */
  model?: string;
  maxTurns?: number;
  /** Creates the runner for this request. */
  createRunner(context: RequestContext): ChatRunner | Promise<ChatRunner>;
}

/** The `store` option: the in-process default, or Redis for several instances. */
export type StoreOption =
  | { type: 'memory' }
  | {
      type: 'redis';
      /** `redis://[:password@]host:port[/db]`. */
      url: string;
      /** Prefix of every key (default `aag:`). */
      keyPrefix?: string;
      /** How long `start()` waits for Redis before failing (default 5 000 ms). */
      connectTimeoutMs?: number;
      /** `url` is a node of a Redis Cluster. */
      cluster?: boolean;
      /** More cluster nodes to start from. */
      clusterNodes?: string[];
      /** The master is found through Sentinel. */
      sentinel?: { name: string; sentinels: string[]; password?: string | undefined };
    };

/**
 * The server's internal configuration, built from checked options by `createGatewayApp` and
 * `createAgent` (not public: users write `GatewayAppOptions` / `CreateAgentOptions`). The
 * connection settings are those of `server` (`connection-options.ts`); absent ones default.
 */
export interface GatewayServerConfig extends Partial<ConnectionSettings> {
  /** Builds the runtime of each chat request (required). */
  buildChatRuntime: (info: ChatRequestInfo) => ChatRuntime | Promise<ChatRuntime>;
  /**
   * Whether a tool is served by an MCP server. The frontend adapters show such calls as
   * dynamic tools (`dynamic-tool` parts for `useChat`); default: none is.
   */
  isMcpTool?: (toolName: string) => boolean;
  /**
   * Whether a tool is one of the agent's own: its server-side tools and its configured
   * client-side tools (MCP tools count through `isMcpTool`). Metrics name only these; any other
   * name (invented by the model, offered by a client for one run) is counted as `other`.
   */
  isAgentTool?: (toolName: string) => boolean;
  /**
   * Whether a request's `traceparent` (and `tracestate`, `baggage`) makes its run a child of the
   * caller's span, sampled as the caller says. Default: only when every listener is on a loopback
   * address; otherwise a run starts its own trace and links to the caller's span.
   */
  trustIncomingTraceContext?: boolean;
  /** HMAC secret of session tokens (default: 64 random hex chars per process). */
  jwtSecret?: string;
  /** Session lifetime in seconds (default 3600). */
  sessionTtl?: number;
  /** Restores a session this instance does not hold from its valid token (development restarts). */
  restoreSessionsFromTokens?: boolean;
  /** Accepted API keys; empty (default) accepts any non-empty key. */
  validApiKeys?: Iterable<string>;
  /** Without `validApiKeys`, lets `listen()` serve a non-loopback address (default false). */
  allowAnyApiKey?: boolean;
  /** Live sessions kept at once (default 100 000); beyond, `/chat/init` answers `503`. */
  maxSessions?: number;
  /** Sessions one client address may open per window (default 60 per minute); beyond, `429`. */
  sessionRateLimit?: { sessions: number; windowSeconds: number };
  /**
   * Origins whose web pages may call the gateway (CORS). Default none: a page on another
   * origin cannot read any answer, so no site the operator visits can use a local gateway.
   * `["*"]` allows any origin (the token in `Authorization` is still required).
   */
  corsOrigins?: string[];
  /**
   * `Host` names served besides `localhost`, `127.0.0.1` and `[::1]` (any port), matched
   * without the port and case-insensitively. Checked when the app listens only on loopback
   * addresses (`listen()`), and always once this list is given; other names get `421`. This
   * stops DNS rebinding: a page whose name resolves to 127.0.0.1 still sends its own name.
   */
  allowedHosts?: string[];
  corsAllowHeaders?: string[];
  corsAllowMethods?: string[];
  /** Model used when neither the runtime nor the request names one. */
  defaultModel?: string;
  /**
   * Models a request may use; empty allows any. Default: `defaultModel` only; without it, a
   * request may not name a model (the runtime's is used).
   */
  allowedModels?: Iterable<string>;
  /** Route prefix (default `/api`; `""` or `/` for none). */
  prefix?: string;
  /** Directory of JSONL transcripts, one file per session. */
  transcriptDir?: string;
  /** Largest accepted request body in bytes (default 1 MiB). */
  maxBodyBytes?: number;
  /**
   * Running runs this instance accepts at once (default 256); beyond it `POST /chat` answers
   * `503` with `retry-after`, before anything is sent upstream. A run parked on a client's
   * answer (an approval, a client-side tool) does not count: it waits for a person, and is
   * capped per API key instead. Runs taken over from another instance are not refused, but count.
   */
  maxConcurrentRuns?: number;
  /** Runs of one API key at once, parked ones included (default 64); beyond, `429`. */
  maxRunsPerApiKey?: number;
  /** Calls of one API key waiting for a client's answer at once (default 32). */
  maxParkedCallsPerApiKey?: number;
  /** Calls of one session waiting for a client's answer at once (default 16). */
  maxParkedCallsPerSession?: number;
  /** Prometheus metrics at `GET /metrics` (see `ServerSpec.metrics`); default off. */
  metrics?: boolean | { token?: string | undefined };
  /** The playground page at `GET /playground` (see `ServerSpec.playground`); default off. */
  playground?: boolean | { notice: string };
  /**
   * Bytes one SSE connection may hold for a client that reads slower than its run writes
   * (default 1 MiB). A client further behind is disconnected; the run goes on and the client
   * resumes with `Last-Event-ID` from the run's log, which holds every event.
   */
  maxBufferedBytesPerStream?: number;
  /** Connections that may stream one run from this instance (default 8); the next gets `429`. */
  maxFollowersPerRun?: number;
  /** Deepest JSON nesting a request body may have (default 64); deeper bodies get `422`. */
  maxJsonDepth?: number;
  /** Interval of SSE heartbeats in milliseconds (default 15 000). */
  heartbeatIntervalMs?: number;
  /** How long an approval request waits, in milliseconds (default 120 000). */
  approvalTimeoutMs?: number;
  /** How long a client-side tool call waits for its result, in milliseconds (default 120 000). */
  clientToolTimeoutMs?: number;
  /**
   * How long a run keeps going after its last client disconnected, waiting for a re-attach on
   * `GET /chat/stream`, in milliseconds (default 30 000). 0 cancels at once.
   */
  disconnectGraceMs?: number;
  /** How long a finished run can still be re-attached and replayed, in ms (default 600 000). */
  streamRetentionMs?: number;
  /**
   * Bytes of events (as JSON, about) one finished run keeps for replays, in memory and in the
   * shared Redis log (default 16 MiB). The oldest are dropped beyond it; a client resuming from
   * before what is kept gets a terminal `error` with code `stream_truncated`.
   */
  maxRetainedBytesPerRun?: number;
  /**
   * Bytes of events the finished runs of this instance keep in memory together (default
   * 128 MiB). Beyond it the runs that finished first lose their oldest events first.
   */
  maxRetainedBytes?: number;
  /**
   * When set, each stream starts with `retry: <ms>`, telling browsers' `EventSource` how soon to
   * reconnect after a drop (their default is about 3 s).
   */
  sseRetryMs?: number;
  /** Period of the expired-session sweep in milliseconds (default 300 000). */
  sessionCleanupIntervalMs?: number;
  /** Shared state (default: in-memory stores). Takes precedence over `store`. */
  stores?: GatewayStores;
  /**
   * Where shared state lives when `stores` is not given (internal form of `server.store`):
   * `{type: 'redis', url}` runs this instance as one of many behind a load balancer. Stores
   * built from this option are owned (and closed) by the app.
   */
  store?: StoreOption;
  /** Id of this instance in the run directory (default: random per app). */
  instanceId?: string;
  /**
   * With Redis stores: how long a run's lease lasts without renewal, in milliseconds (default
   * 15 000). The owning instance renews it every third of that; once it lapses (the instance
   * died or lost Redis) another instance takes the run over. Shorter means faster takeover
   * and more Redis writes.
   */
  runLeaseMs?: number;
  /**
   * With Redis stores: pause between two heartbeats of this instance, in milliseconds (default
   * 400). Each heartbeat is one round trip that records the instance alive and tells whether
   * another instance's runs are to be taken over.
   */
  instanceHeartbeatMs?: number;
  /**
   * With Redis stores: how long an instance may stay without a heartbeat before the others take
   * its runs over, without waiting for their leases (default three heartbeats; at most
   * `runLeaseMs`). Shorter means faster failover, and more takeovers of instances that were
   * only stalled (a long GC pause, a network blip); their late writes are fenced either way.
   */
  instanceSilentMs?: number;
  /**
   * With Redis stores: on `close()`, hand running runs over to the other instances (they
   * continue them from their last checkpoint, as after a crash but without waiting for the
   * lease) instead of cancelling them. For rolling deploys. Default false.
   */
  handOverRunsOnClose?: boolean;
  /** Per-API-key request limit: 429 with `retry-after` once exceeded within the window. */
  rateLimit?: RequestRateLimitOption;
  /**
   * Per-API-key token budget (input + output tokens per window): a new `POST /chat` gets 429
   * with `retry-after` once the budget is spent. Runs in progress are never cut short.
   */
  tokenBudget?: TokenBudgetOption;
  /**
   * Every event of every run, with its session id (informational; errors are logged). For a
   * sub-agent's events the second argument is its observer label (`sub<i>:<first 12
   * characters of the parent id>`) and the third the parent's full session id: key per-session
   * data (transcripts, state) by the third, since labels of different sessions can collide.
   */
  onEvent?: (event: GatewayEvent, sessionId: string, parentSessionId?: string) => void | Promise<void>;
  /** Token totals of each completed run. */
  onRunUsage?: (usage: RunUsage) => void | Promise<void>;
  /** Timing of each finished tool call, from its `tool_call_complete` (no `resultBytes`). */
  onToolTiming?: (timing: ToolTiming) => void;
  /** Runs once before the first request is served. */
  onStartup?: () => void | Promise<void>;
  /** Runs once on `close()`, if startup completed. */
  onShutdown?: () => void | Promise<void>;
  /** Runs for each expired session (release per-session resources). */
  onSessionExpired?: (session: SessionRecord) => void | Promise<void>;
  /** Where failures nobody awaits are reported (default: `logger.error`). */
  onError?: (error: unknown, where: string) => void;
  /**
   * Receives one structured line per failed run (run id, session id, error code, the full
   * upstream detail) and per failed tool call; client aborts at debug level. Default: JSON
   * lines on standard error from `warn` up. Nothing secret is passed to it.
   */
  logger?: Logger;
}
