import { formatDirective, type BenchDirective } from '../lib/bench-directive.js';
import { startBenchStack } from '../lib/bench-stack.js';
import { createGatewayLoadClient } from '../lib/gateway-load-client.js';
import type { ProcessStats } from '../lib/process-stats.js';
import { runWorkers } from '../lib/run-workers.js';
import { show, table, type Scenario } from '../lib/scenario.js';
import { round } from '../lib/stats.js';

const SAMPLE_EVERY_MS = 5_000;
/** Longer than the keep-alive timeouts, so idle pooled connections are gone before a reading. */
const SETTLE_MS = 6_000;

const sleep = (milliseconds: number): Promise<void> =>
  new Promise((resolve) => setTimeout(resolve, milliseconds));
const mebibytes = (bytes: number): number => round(bytes / 2 ** 20, 1);

/** The mix of the soak: mostly short chats, some paced streams, tool calls and dropped clients. */
function pickChat(draw: number): { directive: BenchDirective; abort: boolean } {
  if (draw < 0.7) return { directive: { kind: 'short', words: 16 }, abort: false };
  if (draw < 0.85) return { directive: { kind: 'paced', deltas: 16, delayMs: 20 }, abort: false };
  if (draw < 0.95) return { directive: { kind: 'tool' }, abort: false };
  return { directive: { kind: 'stall' }, abort: true };
}

/** Least-squares slope of `values` sampled every `intervalMs`, per minute. */
function slopePerMinute(values: readonly number[], intervalMs: number): number {
  if (values.length < 2) return Number.NaN;
  const meanX = (values.length - 1) / 2;
  const meanY = values.reduce((sum, value) => sum + value, 0) / values.length;
  let numerator = 0;
  let denominator = 0;
  values.forEach((value, index) => {
    numerator += (index - meanX) * (value - meanY);
    denominator += (index - meanX) ** 2;
  });
  return (numerator / denominator) * (60_000 / intervalMs);
}

/** Scenario 6: steady mixed load for a long time; memory must plateau and come back. */
export const soakScenario: Scenario = {
  id: 'soak',
  title: '6. Soak: steady mixed load',
  method: (config) =>
    `${config.soakConcurrency} clients (one session each) chat in a loop for ` +
    `${round(config.soakDurationMs / 60_000, 2)} min: 70% short replies (16 words), 15% paced streams ` +
    '(16 deltas, 20 ms apart), 10% tool round trips (two model turns around the local tool), 5% clients ' +
    'that drop the stream after its first delta. The gateway runs with `disconnectGraceMs: 0` (dropped ' +
    `runs are cancelled at once). Its RSS and heap are sampled every ${SAMPLE_EVERY_MS / 1000} s; the ` +
    `baseline is read after a warm-up and the end ${SETTLE_MS / 1000} s after the load stopped, both after a ` +
    'forced GC. Plateau = RSS slope over the second half of the samples.',
  targets: [
    {
      label: 'RSS returns within 10% of the baseline',
      figure: 'rssEndVersusBaselinePercent',
      limit: 10,
      kind: 'atMost',
      unit: '%',
    },
    {
      label: 'RSS plateaus (second-half growth ≤ 10% of baseline)',
      figure: 'rssSecondHalfGrowthPercent',
      limit: 10,
      kind: 'atMost',
      unit: '%',
    },
  ],
  async run(config, log) {
    const stack = await startBenchStack({ buildDir: config.buildDir, disconnectGraceMs: 0 });
    try {
      const gateway = createGatewayLoadClient(stack.gateway.url);
      const tokens = await Promise.all(
        Array.from({ length: config.soakConcurrency }, () => gateway.openSession()),
      );
      let random = 0x2545f491;
      const draw = (): number => {
        random = (Math.imul(random, 1_103_515_245) + 12_345) >>> 0;
        return random / 4_294_967_296;
      };
      let completed = 0;
      let failures = 0;
      let dropped = 0;
      const chat = async (worker: number, iteration: number, record: boolean): Promise<void> => {
        const { directive, abort } = pickChat(draw());
        const observation = await gateway.chat(tokens[worker] ?? '', {
          text: formatDirective(directive, `s${iteration}`),
          abortOnFirstText: abort,
        });
        if (!record) return;
        if (abort) dropped += observation.abortedAtEpochMs === undefined ? 0 : 1;
        else if (observation.terminal === 'stream_complete') completed += 1;
        else failures += 1;
      };
      const warmupMs = Math.min(30_000, Math.max(5_000, config.soakDurationMs / 10));
      await runWorkers({ concurrency: config.soakConcurrency, durationMs: warmupMs }, (worker, index) =>
        chat(worker, index, false),
      );
      await sleep(SETTLE_MS);
      const baseline = await stack.gateway.request<ProcessStats>('stats');
      const rssSamples: number[] = [];
      const heapSamples: number[] = [];
      let sampling = true;
      const sampler = (async () => {
        while (sampling) {
          await sleep(SAMPLE_EVERY_MS);
          if (!sampling) break;
          const stats = await stack.gateway.request<ProcessStats>('statsNow');
          rssSamples.push(stats.rssBytes);
          heapSamples.push(stats.heapUsedBytes);
        }
      })();
      const { elapsedMs } = await runWorkers(
        { concurrency: config.soakConcurrency, durationMs: config.soakDurationMs },
        (worker, index) => chat(worker, index, true),
      );
      sampling = false;
      await sampler;
      await sleep(SETTLE_MS);
      const end = await stack.gateway.request<ProcessStats>('stats');
      const half = Math.floor(rssSamples.length / 2);
      const firstHalfPeak = Math.max(...rssSamples.slice(0, Math.max(1, half)));
      const secondHalfPeak = Math.max(...rssSamples.slice(half));
      const secondHalfSlope = slopePerMinute(rssSamples.slice(half).map(mebibytes), SAMPLE_EVERY_MS);
      log(
        `  ${completed} chats (${failures} failed, ${dropped} dropped on purpose); RSS baseline ${mebibytes(baseline.rssBytes)} MiB, peak ${mebibytes(Math.max(...rssSamples))} MiB, end ${mebibytes(end.rssBytes)} MiB; heap ${mebibytes(baseline.heapUsedBytes)} → ${mebibytes(end.heapUsedBytes)} MiB`,
      );
      return {
        figures: {
          durationMin: round(config.soakDurationMs / 60_000, 2),
          chatsPerSecond: round(((completed + dropped) / elapsedMs) * 1000, 1),
          completedChats: completed,
          failedChats: failures,
          droppedOnPurpose: dropped,
          rssBaselineMiB: mebibytes(baseline.rssBytes),
          rssPeakMiB: mebibytes(Math.max(...rssSamples)),
          rssFirstHalfPeakMiB: mebibytes(firstHalfPeak),
          rssSecondHalfPeakMiB: mebibytes(secondHalfPeak),
          rssSecondHalfSlopeMiBPerMin: round(secondHalfSlope, 2),
          rssSecondHalfGrowthPercent: round(((secondHalfPeak - firstHalfPeak) / baseline.rssBytes) * 100, 1),
          rssEndMiB: mebibytes(end.rssBytes),
          rssEndVersusBaselinePercent: round(
            ((end.rssBytes - baseline.rssBytes) / baseline.rssBytes) * 100,
            1,
          ),
          heapBaselineMiB: mebibytes(baseline.heapUsedBytes),
          heapPeakMiB: mebibytes(Math.max(...heapSamples)),
          heapEndMiB: mebibytes(end.heapUsedBytes),
          handlesBaseline: baseline.activeResourceTotal,
          handlesEnd: end.activeResourceTotal,
        },
      };
    } finally {
      await stack.close();
    }
  },
  render: (figures) =>
    [
      table(
        ['chats/s', 'completed', 'failed', 'dropped on purpose', 'duration (min)'],
        [
          [
            show(figures['chatsPerSecond'], 1),
            show(figures['completedChats']),
            show(figures['failedChats']),
            show(figures['droppedOnPurpose']),
            show(figures['durationMin'], 2),
          ],
        ],
      ),
      '',
      table(
        [
          'gateway memory (MiB)',
          'baseline',
          'peak first half',
          'peak second half',
          'peak',
          'end',
          'end vs baseline',
        ],
        [
          [
            'RSS',
            show(figures['rssBaselineMiB'], 1),
            show(figures['rssFirstHalfPeakMiB'], 1),
            show(figures['rssSecondHalfPeakMiB'], 1),
            show(figures['rssPeakMiB'], 1),
            show(figures['rssEndMiB'], 1),
            `${show(figures['rssEndVersusBaselinePercent'], 1)}%`,
          ],
          [
            'heap used',
            show(figures['heapBaselineMiB'], 1),
            '',
            '',
            show(figures['heapPeakMiB'], 1),
            show(figures['heapEndMiB'], 1),
            '',
          ],
        ],
      ),
      '',
      `RSS slope over the second half: ${show(figures['rssSecondHalfSlopeMiBPerMin'], 2)} MiB/min; open handles ` +
        `${show(figures['handlesBaseline'])} at the baseline, ${show(figures['handlesEnd'])} at the end.`,
    ].join('\n'),
};
