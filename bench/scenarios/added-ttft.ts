import { formatDirective } from '../lib/bench-directive.js';
import { startBenchStack } from '../lib/bench-stack.js';
import { createDirectSdkClient } from '../lib/direct-sdk-client.js';
import { createGatewayLoadClient } from '../lib/gateway-load-client.js';
import { show, table, type Scenario } from '../lib/scenario.js';
import type { ProcessStats } from '../lib/process-stats.js';
import { round, summarize } from '../lib/stats.js';
import type { StreamObservation } from '../lib/stream-observation.js';

const WARMUP = 200;
const ROUND_SIZE = 10;

/** Scenario 1: what the gateway adds to the time to first token, one request at a time. */
export const addedTtftScenario: Scenario = {
  id: 'ttft',
  title: '1. Added time to first token (c=1, zero-delay mock)',
  method: (config) =>
    `${config.ttftRequests} sequential short chats per path after ${WARMUP} warm-up chats each; the ` +
    `gateway path (load client → gateway → SDK → mock) and the direct path (load client → SDK → mock) ` +
    `alternate in rounds of ${ROUND_SIZE}, switching which goes first, so drift and background load ` +
    'hit both alike. TTFT = request start to the first `text_delta` at the client; added = gateway − direct.',
  targets: [
    { label: 'added TTFT p50 ≤ 1 ms', figure: 'addedP50Ms', limit: 1, kind: 'atMost', unit: 'ms' },
    { label: 'added TTFT p99 ≤ 3 ms', figure: 'addedP99Ms', limit: 3, kind: 'atMost', unit: 'ms' },
  ],
  async run(config, log) {
    const stack = await startBenchStack({
      buildDir: config.buildDir,
      ...(config.cpuProfileDir === undefined ? {} : { cpuProfileDir: config.cpuProfileDir }),
    });
    try {
      const gateway = createGatewayLoadClient(stack.gateway.url);
      const direct = createDirectSdkClient(stack.upstream.url);
      const token = await gateway.openSession();
      let sequence = 0;
      const viaGateway = (): Promise<StreamObservation> =>
        gateway.chat(token, { text: formatDirective({ kind: 'short', words: 8 }, `g${sequence++}`) });
      const viaDirect = (): Promise<StreamObservation> =>
        direct.chat({ text: formatDirective({ kind: 'short', words: 8 }, `d${sequence++}`) });
      for (let index = 0; index < WARMUP; index += 1) {
        await viaGateway();
        await viaDirect();
      }
      const cpuBefore = await stack.gateway.request<ProcessStats>('statsNow');
      const gatewayRuns: StreamObservation[] = [];
      const directRuns: StreamObservation[] = [];
      for (let round = 0; round * ROUND_SIZE < config.ttftRequests; round += 1) {
        const size = Math.min(ROUND_SIZE, config.ttftRequests - round * ROUND_SIZE);
        const order = round % 2 === 0 ? ['gateway', 'direct'] : ['direct', 'gateway'];
        for (const path of order) {
          for (let index = 0; index < size; index += 1) {
            if (path === 'gateway') gatewayRuns.push(await viaGateway());
            else directRuns.push(await viaDirect());
          }
        }
      }
      const cpuAfter = await stack.gateway.request<ProcessStats>('statsNow');
      // The floor of any proxy on this machine: one more HTTP round trip through the same client
      // (the mock's 404 route answers at once), measured in the same run.
      const hopTimes: number[] = [];
      for (let index = 0; index < Math.min(1_000, config.ttftRequests); index += 1) {
        const started = performance.now();
        const response = await fetch(`${stack.upstream.url}/bench-hop`, { method: 'POST', body: '{}' });
        await response.arrayBuffer();
        hopTimes.push(performance.now() - started);
      }
      const hop = summarize(hopTimes);
      const ttft = (runs: StreamObservation[]) =>
        summarize(runs.flatMap((run) => (run.firstTextMs === undefined ? [] : [run.firstTextMs])));
      const ttfb = (runs: StreamObservation[]) =>
        summarize(runs.flatMap((run) => (run.ttfbMs === undefined ? [] : [run.ttfbMs])));
      const failures = (runs: StreamObservation[]) =>
        runs.filter((run) => run.terminal !== 'stream_complete').length;
      const gatewayTtft = ttft(gatewayRuns);
      const directTtft = ttft(directRuns);
      log(
        `  gateway TTFT p50 ${gatewayTtft.p50} p99 ${gatewayTtft.p99} | direct p50 ${directTtft.p50} p99 ${directTtft.p99} ms`,
      );
      return {
        figures: {
          requestsPerPath: config.ttftRequests,
          gatewayP50Ms: gatewayTtft.p50,
          gatewayP99Ms: gatewayTtft.p99,
          directP50Ms: directTtft.p50,
          directP99Ms: directTtft.p99,
          addedP50Ms: round(gatewayTtft.p50 - directTtft.p50),
          addedP99Ms: round(gatewayTtft.p99 - directTtft.p99),
          gatewayTtfbP50Ms: ttfb(gatewayRuns).p50,
          directTtfbP50Ms: ttfb(directRuns).p50,
          gatewayFailures: failures(gatewayRuns),
          directFailures: failures(directRuns),
          httpHopP50Ms: hop.p50,
          httpHopP99Ms: hop.p99,
          gatewayCpuPerChatMs: round((cpuAfter.cpuMs - cpuBefore.cpuMs) / gatewayRuns.length),
          busyRetries: gatewayRuns.reduce((sum, run) => sum + run.busyRetries, 0),
        },
      };
    } finally {
      await stack.close();
    }
  },
  render: (figures) =>
    table(
      [
        'path',
        'TTFT p50 (ms)',
        'TTFT p99 (ms)',
        'TTFB p50 (ms)',
        'failed chats',
        'gateway CPU per chat (ms)',
      ],
      [
        [
          'gateway (HTTP + SSE → SDK → mock)',
          show(figures['gatewayP50Ms']),
          show(figures['gatewayP99Ms']),
          show(figures['gatewayTtfbP50Ms']),
          show(figures['gatewayFailures']),
          show(figures['gatewayCpuPerChatMs']),
        ],
        [
          'direct (SDK → mock)',
          show(figures['directP50Ms']),
          show(figures['directP99Ms']),
          show(figures['directTtfbP50Ms']),
          show(figures['directFailures']),
          '',
        ],
        [
          'one bare HTTP round trip (floor of any extra hop)',
          show(figures['httpHopP50Ms']),
          show(figures['httpHopP99Ms']),
          '',
          '',
          '',
        ],
        [
          '**added by the gateway**',
          `**${show(figures['addedP50Ms'])}**`,
          `**${show(figures['addedP99Ms'])}**`,
          '',
          '',
          '',
        ],
      ],
    ),
};
