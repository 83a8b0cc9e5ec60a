import type { EventLog } from '../../agent/event-log.js';
import type { CircuitSnapshot } from '../../core/circuit-breaker.js';
import type { GatewayEvent, UsageSummary } from '../../core/events.js';
import type { PromClient } from './load-prom-client.js';
import { failureCodeLabel, methodLabelOf, toolLabel } from './metric-labels.js';

/** What `observeRun` reads of a run (a `ChatRun` is one). */
export interface ObservedRun {
  readonly eventLog: Pick<EventLog, 'onAppend'>;
  /** Settles once the run has ended. */
  readonly done: Promise<void>;
}

/**
 * What the gateway records. Every label comes from a closed set (no session or run ids, no
 * value a client or the model chose): tool names are the agent's own or `other`, failure codes
 * the gateway's own or `other`.
 */
export interface GatewayMetrics {
  /** One finished HTTP request; `route` is the matched route pattern, never the raw path. */
  recordRequest(method: string, route: string, status: number, seconds: number): void;
  /** An SSE stream opened; returns the idempotent function to call when it closed. */
  streamOpened(): () => void;
  /** Follows a registered run's events until it ends. */
  observeRun(run: ObservedRun): void;
  /** A run this instance took over from a dead one: `resumed`, or `failed` to resume. */
  recordTakeover(outcome: 'resumed' | 'failed'): void;
  /** The Prometheus text exposition of every metric. */
  render(): Promise<{ contentType: string; body: string }>;
}

/** Options of `createGatewayMetrics`. */
export interface GatewayMetricsOptions {
  /** The model label of runs (`gen_ai_request_model`): the agent's default model. */
  model: string | undefined;
  /** Runs this instance holds now (for the `agent_gateway_active_runs` gauge). */
  activeRuns: () => number;
  /** Followers of the runs this instance holds, on any instance. */
  runFollowers: () => number;
  /** The shared store's round trips so far, when it counts them (Redis). */
  storeRoundTrips?: (() => number) | undefined;
  /**
   * Whether a tool is one of the agent's own (its server-side tools, MCP tools included, and
   * its configured client-side tools): only those are named in the `tool` label, every other
   * name is `other`. Default: none is.
   */
  isAgentTool?: ((name: string) => boolean) | undefined;
  /** The model circuits known now (`gateway_provider_circuit_state`); none when left out. */
  circuits?: (() => CircuitSnapshot[]) | undefined;
}

const SECONDS_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300];
const TOKEN_BUCKETS = [1, 4, 16, 64, 256, 1024, 4096, 16384, 65536, 262144, 1048576];

/** Whether a run's usage has counts (the stub reply's is empty). */
const isUsageSummary = (usage: UsageSummary | Record<string, never>): usage is UsageSummary =>
  'input_tokens' in usage;

/** How a run ended, from its terminal event. */
function outcomeOf(event: GatewayEvent): 'completed' | 'error' | 'cancelled' | undefined {
  if (event.type === 'stream_complete') return 'completed';
  if (event.type === 'error') return event.code === undefined ? 'cancelled' : 'error';
  return undefined;
}

/**
 * Creates the gateway's Prometheus metrics on a registry of its own (several apps in one
 * process do not collide). Names follow the OpenTelemetry GenAI conventions where they exist
 * (`gen_ai_client_token_usage`, `gen_ai_client_operation_duration_seconds`,
 * `gen_ai_server_time_to_first_token_seconds`), the rest are `agent_gateway_*`.
 */
export function createGatewayMetrics(prom: PromClient, options: GatewayMetricsOptions): GatewayMetrics {
  const registry = new prom.Registry();
  const model = options.model ?? 'unknown';
  const isAgentTool = options.isAgentTool ?? (() => false);
  const registers = [registry];

  const requests = new prom.Counter({
    name: 'agent_gateway_http_requests_total',
    help: 'HTTP requests by method, route pattern and status',
    labelNames: ['method', 'route', 'status'],
    registers,
  });
  const requestDuration = new prom.Histogram({
    name: 'agent_gateway_http_request_duration_seconds',
    help: 'Time to the response headers (streams go on after them)',
    labelNames: ['method', 'route'],
    buckets: SECONDS_BUCKETS,
    registers,
  });
  new prom.Gauge({
    name: 'agent_gateway_active_runs',
    help: 'Chat runs this instance holds',
    registers,
    collect() {
      this.set(options.activeRuns());
    },
  });
  new prom.Gauge({
    name: 'agent_gateway_run_followers',
    help: 'Clients following the runs this instance holds, attached here or through another instance',
    registers,
    collect() {
      this.set(options.runFollowers());
    },
  });
  const openStreams = new prom.Gauge({
    name: 'agent_gateway_open_streams',
    help: 'Open SSE responses (followers of runs)',
    registers,
  });
  const runs = new prom.Counter({
    name: 'agent_gateway_runs_total',
    help: 'Finished chat runs by outcome (completed, error, cancelled)',
    labelNames: ['outcome', 'error_code'],
    registers,
  });
  const operationDuration = new prom.Histogram({
    name: 'gen_ai_client_operation_duration_seconds',
    help: 'Duration of a run (gen_ai.operation.name invoke_agent)',
    labelNames: ['gen_ai_operation_name', 'gen_ai_request_model', 'error_type'],
    buckets: SECONDS_BUCKETS,
    registers,
  });
  const timeToFirstToken = new prom.Histogram({
    name: 'gen_ai_server_time_to_first_token_seconds',
    help: 'From the start of a run to its first text or reasoning delta',
    labelNames: ['gen_ai_request_model'],
    buckets: SECONDS_BUCKETS,
    registers,
  });
  const tokenUsage = new prom.Histogram({
    name: 'gen_ai_client_token_usage',
    help: 'Tokens of a run by type (input, output)',
    labelNames: ['gen_ai_operation_name', 'gen_ai_request_model', 'gen_ai_token_type'],
    buckets: TOKEN_BUCKETS,
    registers,
  });
  const tokens = new prom.Counter({
    name: 'agent_gateway_tokens_total',
    help: 'Tokens by type (input, output, cache_read, cache_creation)',
    labelNames: ['gen_ai_request_model', 'type'],
    registers,
  });
  const cost = new prom.Counter({
    name: 'agent_gateway_cost_usd_total',
    help: 'Estimated cost of finished runs in US dollars',
    labelNames: ['gen_ai_request_model'],
    registers,
  });
  const toolCalls = new prom.Counter({
    name: 'agent_gateway_tool_calls_total',
    help: 'Tool calls by tool and outcome (ok or the error code)',
    labelNames: ['tool', 'outcome'],
    registers,
  });
  const toolDuration = new prom.Histogram({
    name: 'agent_gateway_tool_call_duration_seconds',
    help: 'Duration of tool calls by tool',
    labelNames: ['tool'],
    buckets: SECONDS_BUCKETS,
    registers,
  });
  const approvalsPending = new prom.Gauge({
    name: 'agent_gateway_approvals_pending',
    help: 'Tool calls waiting for a human decision',
    registers,
  });
  const approvalWait = new prom.Histogram({
    name: 'agent_gateway_approval_wait_seconds',
    help: 'From an approval request to the call going on (approved, denied or expired)',
    buckets: SECONDS_BUCKETS,
    registers,
  });
  const retries = new prom.Counter({
    name: 'agent_gateway_model_retries_total',
    help: 'Retried model calls by failure code',
    labelNames: ['code'],
    registers,
  });

  const fallbacks = new prom.Counter({
    name: 'agent_gateway_model_fallbacks_total',
    help: 'Model turns moved to a fallback model, by the models and the reason',
    labelNames: ['from', 'to', 'reason'],
    registers,
  });
  const circuits = options.circuits;
  if (circuits !== undefined) {
    new prom.Gauge({
      name: 'gateway_provider_circuit_state',
      help: 'Circuit of each provider and model: 1 open (skipped for its cool-down), 0 closed',
      labelNames: ['provider', 'model'],
      registers,
      collect() {
        this.reset();
        for (const circuit of circuits()) {
          this.set({ provider: circuit.provider, model: circuit.model }, circuit.state === 'open' ? 1 : 0);
        }
      },
    });
  }

  /** Tokens and cost of a finished run, under the model that spent them. */
  const countUsage = (usage: UsageSummary): void => {
    const perModel = usage.by_model ?? { [model]: usage };
    for (const [answeredBy, spent] of Object.entries(perModel)) {
      tokens.inc({ gen_ai_request_model: answeredBy, type: 'input' }, spent.input_tokens);
      tokens.inc({ gen_ai_request_model: answeredBy, type: 'output' }, spent.output_tokens);
      tokens.inc({ gen_ai_request_model: answeredBy, type: 'cache_read' }, spent.cache_read_input_tokens);
      tokens.inc(
        { gen_ai_request_model: answeredBy, type: 'cache_creation' },
        spent.cache_creation_input_tokens,
      );
      cost.inc({ gen_ai_request_model: answeredBy }, spent.estimated_cost);
    }
  };

  const storeRoundTrips = options.storeRoundTrips;
  if (storeRoundTrips !== undefined) {
    let reported = 0;
    new prom.Counter({
      name: 'agent_gateway_redis_round_trips_total',
      help: 'Round trips this instance made to Redis (a pipeline counts once)',
      registers,
      collect() {
        const total = storeRoundTrips();
        this.inc(total - reported);
        reported = total;
      },
    });
  }
  const takeovers = new prom.Counter({
    name: 'agent_gateway_run_takeovers_total',
    help: 'Runs this instance took over from an instance that stopped renewing their lease',
    labelNames: ['outcome'],
    registers,
  });

  const observeRun = (run: ObservedRun): void => {
    const startedAt = performance.now();
    let firstToken = true;
    let terminal: GatewayEvent | undefined;
    const approvals = new Map<string, number>();
    const settleApproval = (toolCallId: string): void => {
      const askedAt = approvals.get(toolCallId);
      if (askedAt === undefined) return;
      approvals.delete(toolCallId);
      approvalsPending.dec();
      approvalWait.observe((performance.now() - askedAt) / 1000);
    };
    const detach = run.eventLog.onAppend(({ event }) => {
      if (outcomeOf(event) !== undefined) terminal = event;
      switch (event.type) {
        case 'text_delta':
        case 'thinking_delta':
          if (firstToken) {
            firstToken = false;
            timeToFirstToken.observe({ gen_ai_request_model: model }, (performance.now() - startedAt) / 1000);
          }
          return;
        case 'tool_approval_request':
          approvals.set(event.tool_call_id, performance.now());
          approvalsPending.inc();
          return;
        case 'tool_call_complete': {
          settleApproval(event.tool_call_id);
          const tool = toolLabel(event.tool_name, isAgentTool);
          toolCalls.inc({ tool, outcome: event.error === null ? 'ok' : failureCodeLabel(event.error.code) });
          toolDuration.observe({ tool }, event.duration_ms / 1000);
          return;
        }
        case 'stream_retry':
          retries.inc({ code: event.code === undefined ? 'unknown' : failureCodeLabel(event.code) });
          return;
        case 'stream_complete':
          if (isUsageSummary(event.usage)) {
            const usage = event.usage;
            const labels = { gen_ai_operation_name: 'invoke_agent', gen_ai_request_model: model };
            tokenUsage.observe({ ...labels, gen_ai_token_type: 'input' }, usage.input_tokens);
            tokenUsage.observe({ ...labels, gen_ai_token_type: 'output' }, usage.output_tokens);
            countUsage(usage);
          }
          return;
        case 'model_fallback':
          fallbacks.inc({ from: event.from, to: event.to, reason: event.reason });
          return;
        default:
          return;
      }
    });
    void run.done.finally(() => {
      detach();
      for (const toolCallId of [...approvals.keys()]) settleApproval(toolCallId);
      // A run handed over to another instance ends there; it is counted where it ends.
      const last = terminal;
      const outcome = last === undefined ? undefined : outcomeOf(last);
      if (outcome === undefined || last === undefined) return;
      const errorCode = last.type === 'error' ? failureCodeLabel(last.code ?? 'cancelled') : '';
      runs.inc({ outcome, error_code: errorCode });
      operationDuration.observe(
        { gen_ai_operation_name: 'invoke_agent', gen_ai_request_model: model, error_type: errorCode },
        (performance.now() - startedAt) / 1000,
      );
    });
  };

  return {
    recordRequest(method, route, status, seconds) {
      const methodLabel = methodLabelOf(method);
      requests.inc({ method: methodLabel, route, status: String(status) });
      requestDuration.observe({ method: methodLabel, route }, seconds);
    },
    streamOpened() {
      openStreams.inc();
      let closed = false;
      return () => {
        if (closed) return;
        closed = true;
        openStreams.dec();
      };
    },
    observeRun,
    recordTakeover(outcome) {
      takeovers.inc({ outcome });
    },
    async render() {
      return { contentType: registry.contentType, body: await registry.metrics() };
    },
  };
}
