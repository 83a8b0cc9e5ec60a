import { formatDirective } from '../lib/bench-directive.js';
import { startBenchStack } from '../lib/bench-stack.js';
import { createDirectSdkClient } from '../lib/direct-sdk-client.js';
import { createGatewayLoadClient } from '../lib/gateway-load-client.js';
import { runWorkers } from '../lib/run-workers.js';
import { show, table, type Scenario } from '../lib/scenario.js';
import type { ProcessStats } from '../lib/process-stats.js';
import { round, summarize } from '../lib/stats.js';
import type { ChatRequest, StreamObservation } from '../lib/stream-observation.js';

const WARMUP_MS = 2_000;

interface PathResult {
  chatsPerSecond: number;
  completed: number;
  p50: number;
  p99: number;
  errors: number;
  busyRetries: number;
}

async function measure(
  chat: (worker: number, request: ChatRequest) => Promise<StreamObservation>,
  concurrency: number,
  durationMs: number,
  prefix: string,
  onMeasureStart: () => Promise<void> = () => Promise.resolve(),
): Promise<PathResult> {
  const text = (iteration: number): string =>
    formatDirective({ kind: 'short', words: 8 }, `${prefix}${iteration}`);
  await runWorkers({ concurrency, durationMs: WARMUP_MS }, async (worker, iteration) => {
    await chat(worker, { text: text(iteration) });
  });
  await onMeasureStart();
  const latencies: number[] = [];
  let errors = 0;
  let busyRetries = 0;
  let completed = 0;
  const { elapsedMs } = await runWorkers({ concurrency, durationMs }, async (worker, iteration) => {
    const observation = await chat(worker, { text: text(iteration) });
    busyRetries += observation.busyRetries;
    if (observation.terminal === 'stream_complete') {
      completed += 1;
      latencies.push(observation.totalMs);
    } else {
      errors += 1;
    }
  });
  const summary = summarize(latencies);
  return {
    chatsPerSecond: round((completed / elapsedMs) * 1000, 1),
    completed,
    p50: summary.p50,
    p99: summary.p99,
    errors,
    busyRetries,
  };
}

/** Scenario 2: short chats per second at high concurrency, gateway vs direct. */
export const shortChatThroughputScenario: Scenario = {
  id: 'throughput',
  title: '2. Short-chat throughput',
  method: (config) =>
    `${config.throughputConcurrency} concurrent clients, each chatting in a loop (one session per ` +
    `client on the gateway) for ${config.throughputDurationMs / 1000} s per path after a ` +
    `${WARMUP_MS / 1000} s warm-up; a chat is one 8-word unpaced reply read to its end. Latency = ` +
    'request start to the end of the stream.',
  targets: [
    {
      label: 'gateway throughput ≥ 50% of direct',
      figure: 'throughputRatio',
      limit: 0.5,
      kind: 'atLeast',
      unit: '×',
    },
  ],
  async run(config, log) {
    const stack = await startBenchStack({
      buildDir: config.buildDir,
      ...(config.cpuProfileDir === undefined ? {} : { cpuProfileDir: config.cpuProfileDir }),
    });
    try {
      const gateway = createGatewayLoadClient(stack.gateway.url);
      const direct = createDirectSdkClient(stack.upstream.url);
      const tokens = await Promise.all(
        Array.from({ length: config.throughputConcurrency }, () => gateway.openSession()),
      );
      const concurrency = config.throughputConcurrency;
      const duration = config.throughputDurationMs;
      const directResult = await measure(
        (_worker, request) => direct.chat(request),
        concurrency,
        duration,
        'd',
      );
      let cpuBefore: ProcessStats | undefined;
      const gatewayResult = await measure(
        (worker, request) => gateway.chat(tokens[worker] ?? '', request),
        concurrency,
        duration,
        'g',
        async () => {
          cpuBefore = await stack.gateway.request<ProcessStats>('statsNow');
        },
      );
      const cpuAfter = await stack.gateway.request<ProcessStats>('statsNow');
      const gatewayCpuMs = cpuAfter.cpuMs - (cpuBefore?.cpuMs ?? Number.NaN);
      log(
        `  gateway ${gatewayResult.chatsPerSecond} chats/s p99 ${gatewayResult.p99} ms | direct ${directResult.chatsPerSecond} chats/s p99 ${directResult.p99} ms`,
      );
      return {
        figures: {
          concurrency,
          gatewayChatsPerSecond: gatewayResult.chatsPerSecond,
          directChatsPerSecond: directResult.chatsPerSecond,
          throughputRatio: round(gatewayResult.chatsPerSecond / directResult.chatsPerSecond, 3),
          gatewayP50Ms: gatewayResult.p50,
          gatewayP99Ms: gatewayResult.p99,
          directP50Ms: directResult.p50,
          directP99Ms: directResult.p99,
          gatewayErrors: gatewayResult.errors,
          directErrors: directResult.errors,
          busyRetries: gatewayResult.busyRetries,
          gatewayCpuPerChatMs: round(
            gatewayCpuMs / Math.max(1, gatewayResult.completed + gatewayResult.errors),
          ),
          gatewayCpuUtilisation: round(gatewayCpuMs / duration, 2),
        },
      };
    } finally {
      await stack.close();
    }
  },
  render: (figures) =>
    table(
      ['path', 'chats/s', 'latency p50 (ms)', 'latency p99 (ms)', 'errors', 'gateway CPU per chat (ms)'],
      [
        [
          'gateway',
          show(figures['gatewayChatsPerSecond'], 1),
          show(figures['gatewayP50Ms']),
          show(figures['gatewayP99Ms']),
          show(figures['gatewayErrors']),
          show(figures['gatewayCpuPerChatMs']),
        ],
        [
          'direct SDK',
          show(figures['directChatsPerSecond'], 1),
          show(figures['directP50Ms']),
          show(figures['directP99Ms']),
          show(figures['directErrors']),
          '',
        ],
        ['**gateway / direct**', `**${show(figures['throughputRatio'])}**`, '', '', '', ''],
      ],
    ),
};
