import type { EventLog } from '../../agent/event-log.js';
import type { GatewayEvent, UsageSummary } from '../../core/events.js';
import type { PromClient } from './load-prom-client.js';
import { failureCodeLabel, toolLabel } from './metric-labels.js';

/** Buckets of durations in seconds, shared by every histogram of time. */
export const SECONDS_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300];
/** Buckets of token counts. */
export const TOKEN_BUCKETS = [1, 4, 16, 64, 256, 1024, 4096, 16384, 65536, 262144, 1048576];

/** The registries a metric registers in. */
export type Registers = [InstanceType<PromClient['Registry']>];

/** What `observeRun` reads of a run (a `ChatRun` is one). */
export interface ObservedRun {
  readonly eventLog: Pick<EventLog, 'onAppend' | 'entries'>;
  /** Calls `callback` once, when the run has ended (`ChatRun.onDone`: no promise per run). */
  onDone(callback: () => void): void;
}

/** The metrics of runs: outcomes, durations, tokens, cost, tool calls, approvals, retries. */
export function registerRunMetrics(prom: PromClient, registers: Registers) {
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

  return {
    runs,
    operationDuration,
    timeToFirstToken,
    tokenUsage,
    tokens,
    cost,
    toolCalls,
    toolDuration,
    approvalsPending,
    approvalWait,
    retries,
    fallbacks,
  };
}

/** The metrics of runs, as `registerRunMetrics` made them. */
export type RunMetrics = ReturnType<typeof registerRunMetrics>;

/** How a run ended, from its terminal event. */
function outcomeOf(event: GatewayEvent): 'completed' | 'error' | 'cancelled' | undefined {
  if (event.type === 'stream_complete') return 'completed';
  if (event.type === 'error') return event.code === undefined ? 'cancelled' : 'error';
  return undefined;
}

/** The tokens and cost of a completed run, from its `stream_complete` usage. */
function recordUsage(
  metrics: RunMetrics,
  model: string,
  event: Extract<GatewayEvent, { type: 'stream_complete' }>,
): void {
  if (!isUsageSummary(event.usage)) return;
  const { tokenUsage, tokens, cost } = metrics;
  const usage = event.usage;
  const labels = { gen_ai_operation_name: 'invoke_agent', gen_ai_request_model: model };
  tokenUsage.observe({ ...labels, gen_ai_token_type: 'input' }, usage.input_tokens);
  tokenUsage.observe({ ...labels, gen_ai_token_type: 'output' }, usage.output_tokens);
  // Tokens and cost under the model that spent them (several when a fallback answered).
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
}

/** Whether a run's usage has counts (the stub reply's is empty). */
const isUsageSummary = (usage: UsageSummary | Record<string, never>): usage is UsageSummary =>
  'input_tokens' in usage;

/**
 * The follower of a registered run's events until it ends: time to first token, approvals
 * waiting and their wait, tool calls, retries, fallbacks, usage; then the run's outcome and
 * duration. A run is registered after it started, so the events it wrote before (a skip of a
 * model whose circuit is open happens before any await) are read first, then the later ones.
 */
export function createRunObserver(
  metrics: RunMetrics,
  model: string,
  isAgentTool: (name: string) => boolean,
): (run: ObservedRun) => void {
  const { approvalsPending, approvalWait, timeToFirstToken, toolCalls, toolDuration, retries } = metrics;
  return (run: ObservedRun): void => {
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
    const observe = ({ event }: { event: GatewayEvent }): void => {
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
          recordUsage(metrics, model, event);
          return;
        case 'model_fallback':
          metrics.fallbacks.inc({ from: event.from, to: event.to, reason: event.reason });
          return;
        default:
          return;
      }
    };
    for (const entry of run.eventLog.entries()) observe(entry);
    const detach = run.eventLog.onAppend(observe);
    run.onDone(() => {
      detach();
      for (const toolCallId of [...approvals.keys()]) settleApproval(toolCallId);
      // A run handed over to another instance ends there; it is counted where it ends.
      const last = terminal;
      const outcome = last === undefined ? undefined : outcomeOf(last);
      if (outcome === undefined || last === undefined) return;
      const errorCode = last.type === 'error' ? failureCodeLabel(last.code ?? 'cancelled') : '';
      metrics.runs.inc({ outcome, error_code: errorCode });
      metrics.operationDuration.observe(
        { gen_ai_operation_name: 'invoke_agent', gen_ai_request_model: model, error_type: errorCode },
        (performance.now() - startedAt) / 1000,
      );
    });
  };
}
