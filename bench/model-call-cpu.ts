/**
 * CPU per model call of the Anthropic provider's lean transport, A/B between built copies of the
 * package: each build's provider runs in a process of its own against one mock model process,
 * and the builds take turns in slices (the order rotating every slice), so that a loaded
 * machine's drift reaches them all. Each slice's CPU per call is the calling process's CPU
 * (`process.cpuUsage`) over the calls it completed; `sliceMedianRatio` is the median over slices
 * of a build's figure over the first build's in the same slice. Give a build twice for an A/A.
 *
 *   node --import tsx bench/model-call-cpu.ts [--slices 30] [--slice-ms 1000] [--concurrency 8] \
 *     [--warm-slices 5] before=DIR after=DIR [control=DIR]
 */
import { fileURLToPath } from 'node:url';
import { startChildProcess, type ChildProcessHandle } from './lib/child-process-handle.js';
import { buildArguments, numberFlag } from './lib/cli-flags.js';
import { currentLoad, describeMachine } from './lib/machine-info.js';
import { median } from './lib/stats.js';

const SLICES = numberFlag('slices', 30);
const SLICE_MS = numberFlag('slice-ms', 1_000);
const CONCURRENCY = numberFlag('concurrency', 8);
const WARM_SLICES = numberFlag('warm-slices', 5);
const builds = buildArguments();
if (builds.length === 0) {
  console.error('usage: node --import tsx bench/model-call-cpu.ts [--slices 30] label=dir …');
  process.exit(1);
}

interface SliceResult {
  calls: number;
  cpuUs: number;
}

const upstream = await startChildProcess({
  entry: fileURLToPath(new URL('./lib/mock-process.ts', import.meta.url)),
});
const lanes: {
  label: string;
  dir: string;
  child: ChildProcessHandle;
  perCall: number[];
  calls: number;
  cpuUs: number;
}[] = [];
for (const build of builds) {
  const child = await startChildProcess({
    entry: fileURLToPath(new URL('./lib/provider-call-process.ts', import.meta.url)),
    env: {
      BENCH_PACKAGE_ROOT: build.dir,
      BENCH_UPSTREAM_URL: upstream.url,
      BENCH_CONCURRENCY: String(CONCURRENCY),
      BENCH_SLICE_MS: String(SLICE_MS),
    },
  });
  lanes.push({ ...build, child, perCall: [], calls: 0, cpuUs: 0 });
}

for (let slice = -WARM_SLICES; slice < SLICES; slice += 1) {
  const shift = (slice + WARM_SLICES) % lanes.length;
  for (const lane of [...lanes.slice(shift), ...lanes.slice(0, shift)]) {
    const result = await lane.child.request<SliceResult>('slice');
    if (slice < 0) continue;
    lane.calls += result.calls;
    lane.cpuUs += result.cpuUs;
    lane.perCall.push(result.calls === 0 ? Number.NaN : result.cpuUs / result.calls);
  }
}

const reference = lanes[0];
const round1 = (value: number): number => Math.round(value * 10) / 10;
const report = {
  machine: describeMachine(),
  load: currentLoad(),
  slices: SLICES,
  sliceMs: SLICE_MS,
  concurrency: CONCURRENCY,
  builds: Object.fromEntries(
    lanes.map((lane) => [
      lane.label,
      {
        dir: lane.dir,
        calls: lane.calls,
        cpuUsPerCall: round1(lane.cpuUs / lane.calls),
        sliceMedianCpuUsPerCall: round1(median(lane.perCall)),
        sliceMedianRatio:
          Math.round(
            median(lane.perCall.map((value, index) => value / (reference?.perCall[index] ?? Number.NaN))) *
              1_000,
          ) / 1_000,
      },
    ]),
  ),
};
console.log(JSON.stringify(report, null, 2));
for (const lane of lanes) await lane.child.close();
await upstream.close();
