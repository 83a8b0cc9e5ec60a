import { formatDirective } from '../lib/bench-directive.js';
import { startBenchStack } from '../lib/bench-stack.js';
import { createDirectSdkClient } from '../lib/direct-sdk-client.js';
import { createGatewayLoadClient } from '../lib/gateway-load-client.js';
import type { ProcessStats } from '../lib/process-stats.js';
import { runWorkers } from '../lib/run-workers.js';
import { show, table, type Scenario } from '../lib/scenario.js';
import { round, summarize } from '../lib/stats.js';
import type { StreamObservation } from '../lib/stream-observation.js';

/** Enough for the allocators (V8 heap spaces, malloc arenas, parser buffers) to reach their working size. */
const WARMUP_CYCLES = 1_000;
/** Longer than the keep-alive timeouts (Node's server 5 s, undici 4 s), so idle sockets are gone. */
const SETTLE_MS = 6_000;

const sleep = (milliseconds: number): Promise<void> =>
  new Promise((resolve) => setTimeout(resolve, milliseconds));

/** Upstream abort latency per cycle: when the mock saw the close minus when the client aborted. */
function abortLatencies(
  clientAborts: Map<string, number>,
  upstreamAborts: Record<string, number>,
): { latencies: number[]; missing: number } {
  const latencies: number[] = [];
  let missing = 0;
  for (const [id, abortedAt] of clientAborts) {
    const seen = upstreamAborts[id];
    if (seen === undefined) missing += 1;
    else latencies.push(seen - abortedAt);
  }
  return { latencies, missing };
}

const listenersOf = (stats: ProcessStats): number =>
  (stats.listeners?.eventTarget ?? 0) + (stats.listeners?.eventEmitter ?? 0);

/**
 * Listeners on everything but undici's pooled `Client`s. The pool of the global dispatcher keeps
 * one `Client` (4 listeners) per connection it ever needed at the same time and never shrinks:
 * its count follows the peak concurrency of upstream connections, not the number of cycles.
 */
const listenersOutsidePool = (stats: ProcessStats): number =>
  listenersOf(stats) - (stats.listeners?.byKind['Client'] ?? 0);

/** A reading's listeners minus those of undici's pooled `Client`s, from the rendered figures. */
const outsidePool = (figures: Record<string, number>, reading: string): number =>
  (figures[reading] ?? Number.NaN) - (figures[`${reading}.Client`] ?? 0);

/** Listener counts by kind of target, as figures `<prefix>.<Kind>` (where any growth sits). */
const kindFigures = (prefix: string, stats: ProcessStats): Record<string, number> =>
  Object.fromEntries(
    Object.entries(stats.listeners?.byKind ?? {}).map(([kind, count]) => [`${prefix}.${kind}`, count]),
  );

/** Scenario 5: connect, get the first token, disconnect — thousands of times. */
export const abortStormScenario: Scenario = {
  id: 'abort',
  title: '5. Abort storm',
  method: (config) =>
    `${config.abortCycles} cycles per path, ${config.abortConcurrency} at a time (one session per ` +
    'worker on the gateway): start a chat whose model sends one delta and then waits, read that ' +
    'delta, disconnect. Abort latency = when the mock upstream saw its request close minus when the ' +
    `client aborted (both wall clocks of the same machine). The gateway runs with \`disconnectGraceMs: 0\` ` +
    '(cancel at once; the default 30 s grace would keep each run going for a possible re-attach). ' +
    `Open handles (\`process.getActiveResourcesInfo()\`), listeners on live EventTargets and ` +
    `EventEmitters (a census installed in the gateway for this scenario), RSS and heap are read after a ` +
    `forced GC, each ${SETTLE_MS / 1000} s after the load stopped (longer than the keep-alive timeouts, so ` +
    `idle pooled connections are gone): after ${WARMUP_CYCLES} warm-up cycles, after half the cycles and ` +
    'after all of them. Growth is judged on the second half, once pools and allocators have the working ' +
    "size this load needs (undici's connection pool keeps one `Client` per peak concurrent upstream " +
    'connection, and the allocators keep their high-water mark); the growth from the warm-up is shown too.',
  targets: [
    {
      label: 'upstream aborted ≤ 100 ms after the disconnect (p99)',
      figure: 'gatewayAbortP99Ms',
      limit: 100,
      kind: 'atMost',
      unit: 'ms',
    },
    {
      label: 'no upstream request left open',
      figure: 'gatewayAbortsMissing',
      limit: 0,
      kind: 'atMost',
      unit: 'requests',
    },
    {
      label: 'no growth in open handles (second half of the cycles)',
      figure: 'handleGrowth',
      limit: 0,
      kind: 'atMost',
      unit: 'handles',
    },
    {
      label: 'no growth in listeners (second half of the cycles)',
      figure: 'listenerGrowth',
      limit: 0,
      kind: 'atMost',
      unit: 'listeners',
    },
    {
      label: 'no RSS growth (second half, within 10%: the noise of RSS)',
      figure: 'rssGrowthPercent',
      limit: 10,
      kind: 'atMost',
      unit: '%',
    },
  ],
  async run(config, log) {
    const stack = await startBenchStack({
      buildDir: config.buildDir,
      disconnectGraceMs: 0,
      trackListeners: true,
    });
    try {
      const gateway = createGatewayLoadClient(stack.gateway.url);
      const direct = createDirectSdkClient(stack.upstream.url);
      const tokens = await Promise.all(
        Array.from({ length: config.abortConcurrency }, () => gateway.openSession()),
      );
      const gatewayAborts = new Map<string, number>();
      let failures = 0;
      let busyRetries = 0;
      const gatewayCycle = async (worker: number, id: string, record: boolean): Promise<void> => {
        const text = formatDirective({ kind: 'stall' }, id);
        const observation: StreamObservation = await gateway.chat(tokens[worker] ?? '', {
          text,
          abortOnFirstText: true,
        });
        busyRetries += observation.busyRetries;
        if (observation.abortedAtEpochMs === undefined) failures += record ? 1 : 0;
        else if (record) gatewayAborts.set(id, observation.abortedAtEpochMs);
      };
      await runWorkers({ concurrency: config.abortConcurrency, iterations: WARMUP_CYCLES }, (worker, index) =>
        gatewayCycle(worker, `gw${index}`, false),
      );
      await sleep(SETTLE_MS);
      await stack.upstream.request('abortTimes');
      const before = await stack.gateway.request<ProcessStats>('stats');
      const half = Math.floor(config.abortCycles / 2);
      const first = await runWorkers(
        { concurrency: config.abortConcurrency, iterations: half },
        (worker, index) => gatewayCycle(worker, `g${index}`, true),
      );
      // Mid-way, settled like the ends: growth from here to the end is growth per cycle, once the
      // pools and allocators have reached the working size this load needs.
      await sleep(SETTLE_MS);
      const middle = await stack.gateway.request<ProcessStats>('stats');
      const second = await runWorkers(
        { concurrency: config.abortConcurrency, iterations: config.abortCycles - half },
        (worker, index) => gatewayCycle(worker, `g${half + index}`, true),
      );
      const elapsedMs = first.elapsedMs + second.elapsedMs;
      // Right after the storm, before the keep-alive timeouts and without a forced GC: what a
      // naive "after" reading sees (pooled upstream connections, garbage not yet collected).
      const unsettled = await stack.gateway.request<ProcessStats>('statsNow');
      await sleep(SETTLE_MS);
      const after = await stack.gateway.request<ProcessStats>('stats');
      const viaGateway = abortLatencies(
        gatewayAborts,
        await stack.upstream.request<Record<string, number>>('abortTimes'),
      );

      const directAborts = new Map<string, number>();
      let directFailures = 0;
      await runWorkers(
        { concurrency: config.abortConcurrency, iterations: config.abortCycles },
        async (_worker, index) => {
          const id = `d${index}`;
          const observation = await direct.chat({
            text: formatDirective({ kind: 'stall' }, id),
            abortOnFirstText: true,
          });
          if (observation.abortedAtEpochMs === undefined) directFailures += 1;
          else directAborts.set(id, observation.abortedAtEpochMs);
        },
      );
      await sleep(SETTLE_MS);
      const viaDirect = abortLatencies(
        directAborts,
        await stack.upstream.request<Record<string, number>>('abortTimes'),
      );
      log(
        `  handles by type before ${JSON.stringify(before.activeResources)} after ${JSON.stringify(after.activeResources)}`,
      );
      log(
        `  listeners before ${JSON.stringify(before.listeners)} middle ${JSON.stringify(middle.listeners)} after ${JSON.stringify(after.listeners)}`,
      );
      log(
        `  right after the storm (no settle, no GC): handles ${JSON.stringify(unsettled.activeResources)}, listeners ${JSON.stringify(unsettled.listeners)}, RSS ${round(unsettled.rssBytes / 2 ** 20, 1)} MiB, heap ${round(unsettled.heapUsedBytes / 2 ** 20, 1)} MiB`,
      );
      const gatewaySummary = summarize(viaGateway.latencies);
      const directSummary = summarize(viaDirect.latencies);
      log(
        `  gateway abort p50 ${gatewaySummary.p50} p99 ${gatewaySummary.p99} max ${gatewaySummary.max} ms (missing ${viaGateway.missing}) | direct p50 ${directSummary.p50} p99 ${directSummary.p99} ms; handles ${before.activeResourceTotal} → ${after.activeResourceTotal}, listeners ${listenersOf(before)} → ${listenersOf(after)}, RSS ${round(before.rssBytes / 2 ** 20, 1)} → ${round(after.rssBytes / 2 ** 20, 1)} MiB`,
      );
      return {
        figures: {
          cycles: config.abortCycles,
          cyclesPerSecond: round((config.abortCycles / elapsedMs) * 1000, 1),
          gatewayAbortP50Ms: gatewaySummary.p50,
          gatewayAbortP99Ms: gatewaySummary.p99,
          gatewayAbortMaxMs: gatewaySummary.max,
          gatewayAbortsMissing: viaGateway.missing,
          gatewayFailures: failures,
          busyRetries,
          directAbortP50Ms: directSummary.p50,
          directAbortP99Ms: directSummary.p99,
          directAbortMaxMs: directSummary.max,
          directAbortsMissing: viaDirect.missing,
          directFailures,
          handlesBefore: before.activeResourceTotal,
          handlesAfter: after.activeResourceTotal,
          handlesMiddle: middle.activeResourceTotal,
          handleGrowth: after.activeResourceTotal - middle.activeResourceTotal,
          handleGrowthFromStart: after.activeResourceTotal - before.activeResourceTotal,
          listenersBefore: listenersOf(before),
          listenersAfter: listenersOf(after),
          listenersMiddle: listenersOf(middle),
          listenerGrowth: listenersOf(after) - listenersOf(middle),
          listenerGrowthFromStart: listenersOf(after) - listenersOf(before),
          listenerGrowthOutsidePool: listenersOutsidePool(after) - listenersOutsidePool(middle),
          pooledClientsMiddle: (middle.listeners?.byKind['Client'] ?? 0) / 4,
          pooledClientsAfter: (after.listeners?.byKind['Client'] ?? 0) / 4,
          rssBeforeMiB: round(before.rssBytes / 2 ** 20, 1),
          rssMiddleMiB: round(middle.rssBytes / 2 ** 20, 1),
          rssAfterMiB: round(after.rssBytes / 2 ** 20, 1),
          rssGrowthPercent: round(((after.rssBytes - middle.rssBytes) / middle.rssBytes) * 100, 1),
          rssGrowthFromStartPercent: round(((after.rssBytes - before.rssBytes) / before.rssBytes) * 100, 1),
          heapMiddleMiB: round(middle.heapUsedBytes / 2 ** 20, 1),
          heapBeforeMiB: round(before.heapUsedBytes / 2 ** 20, 1),
          heapAfterMiB: round(after.heapUsedBytes / 2 ** 20, 1),
          handlesUnsettled: unsettled.activeResourceTotal,
          listenersUnsettled: listenersOf(unsettled),
          rssUnsettledMiB: round(unsettled.rssBytes / 2 ** 20, 1),
          heapUnsettledMiB: round(unsettled.heapUsedBytes / 2 ** 20, 1),
          ...kindFigures('listenersBefore', before),
          ...kindFigures('listenersMiddle', middle),
          ...kindFigures('listenersUnsettled', unsettled),
          ...kindFigures('listenersAfter', after),
        },
      };
    } finally {
      await stack.close();
    }
  },
  render: (figures) =>
    [
      table(
        [
          'path',
          'abort latency p50 (ms)',
          'p99 (ms)',
          'max (ms)',
          'upstream requests never aborted',
          'failed cycles',
        ],
        [
          [
            'gateway',
            show(figures['gatewayAbortP50Ms']),
            `**${show(figures['gatewayAbortP99Ms'])}**`,
            show(figures['gatewayAbortMaxMs']),
            show(figures['gatewayAbortsMissing']),
            show(figures['gatewayFailures']),
          ],
          [
            'direct SDK',
            show(figures['directAbortP50Ms']),
            show(figures['directAbortP99Ms']),
            show(figures['directAbortMaxMs']),
            show(figures['directAbortsMissing']),
            show(figures['directFailures']),
          ],
        ],
      ),
      '',
      table(
        [
          'gateway process (settled, after GC)',
          'after warm-up',
          'after half',
          'after all',
          'growth in the second half',
          'right after the storm (no settle, no GC)',
        ],
        [
          [
            'open handles',
            show(figures['handlesBefore']),
            show(figures['handlesMiddle']),
            show(figures['handlesAfter']),
            show(figures['handleGrowth']),
            show(figures['handlesUnsettled']),
          ],
          [
            'listeners',
            show(figures['listenersBefore']),
            show(figures['listenersMiddle']),
            show(figures['listenersAfter']),
            show(figures['listenerGrowth']),
            show(figures['listenersUnsettled']),
          ],
          [
            "listeners outside undici's connection pool",
            show(outsidePool(figures, 'listenersBefore')),
            show(outsidePool(figures, 'listenersMiddle')),
            show(outsidePool(figures, 'listenersAfter')),
            show(figures['listenerGrowthOutsidePool']),
            show(outsidePool(figures, 'listenersUnsettled')),
          ],
          [
            'RSS (MiB)',
            show(figures['rssBeforeMiB'], 1),
            show(figures['rssMiddleMiB'], 1),
            show(figures['rssAfterMiB'], 1),
            `${show(figures['rssGrowthPercent'], 1)}%`,
            show(figures['rssUnsettledMiB'], 1),
          ],
          [
            'heap used (MiB)',
            show(figures['heapBeforeMiB'], 1),
            show(figures['heapMiddleMiB'], 1),
            show(figures['heapAfterMiB'], 1),
            '',
            show(figures['heapUnsettledMiB'], 1),
          ],
        ],
      ),
    ].join('\n'),
};
