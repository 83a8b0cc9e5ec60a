import type { CircuitSnapshot } from '../../core/circuit-breaker.js';
import type { PromClient } from './load-prom-client.js';
import { methodLabelOf } from './metric-labels.js';
import { registerBudgetMetrics, type BudgetMetrics } from './budget-metrics.js';
import {
  createRunObserver,
  registerRunMetrics,
  SECONDS_BUCKETS,
  type ObservedRun,
  type Registers,
} from './run-metrics.js';

export type { ObservedRun } from './run-metrics.js';

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
  /** The budget metrics (spend, refusals, fail-open admissions); undefined without budgets. */
  readonly budgets: BudgetMetrics | undefined;
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
  /** Whether the gateway has budgets (`server.budgets`, `budgetFor`): registers their metrics. */
  budgets?: boolean | undefined;
}

/** The circuit of each provider and model, read when scraped. */
function registerCircuitMetric(prom: PromClient, registers: Registers, options: GatewayMetricsOptions) {
  const circuits = options.circuits;
  if (circuits === undefined) return;
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

/**
 * The HTTP and instance metrics, registered first (the exposition follows the order of
 * registration): requests, their duration, the runs held and followed here, the open streams.
 */
function registerServerMetrics(prom: PromClient, registers: Registers, options: GatewayMetricsOptions) {
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
  return { requests, requestDuration, openStreams };
}

/** The shared store's round trips (when it counts them) and the takeovers, registered last. */
function registerStoreMetrics(prom: PromClient, registers: Registers, options: GatewayMetricsOptions) {
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

  return { takeovers };
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
  const registers: Registers = [registry];
  const { requests, requestDuration, openStreams } = registerServerMetrics(prom, registers, options);
  const runMetrics = registerRunMetrics(prom, registers);
  registerCircuitMetric(prom, registers, options);
  const { takeovers } = registerStoreMetrics(prom, registers, options);
  const budgets = options.budgets === true ? registerBudgetMetrics(prom, registers) : undefined;

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
    observeRun: createRunObserver(runMetrics, model, isAgentTool),
    recordTakeover(outcome) {
      takeovers.inc({ outcome });
    },
    budgets,
    async render() {
      return { contentType: registry.contentType, body: await registry.metrics() };
    },
  };
}
