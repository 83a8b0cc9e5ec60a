/**
 * Gateway CPU per relayed delta, the way docs/PERFORMANCE.md first measured it: the gateway and
 * the mock upstream in their own processes (compiled, as deployed), `streams` concurrent paced
 * streams (one session each) of 64 deltas and of 8 deltas, `delayMs` apart, and the gateway
 * process's CPU time over each batch. Per delta = (CPU of the 64-delta batch − CPU of the
 * 8-delta batch) / (streams × 56): what one more delta costs the gateway (an upstream read and
 * parse, the mapping, the event log, the frame, a socket write), without the per-stream cost.
 * The first round warms the gateway up and is not counted; prints each round and the median.
 *
 *   npx tsx bench/gateway-cpu-per-delta.ts [--build DIR] [--profile DIR] [streams=20] [rounds=4] [delayMs=20]
 */
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { formatDirective } from './lib/bench-directive.js';
import { startBenchStack } from './lib/bench-stack.js';
import { compileForBench } from './lib/compile-for-bench.js';
import { createGatewayLoadClient } from './lib/gateway-load-client.js';
import { currentLoad } from './lib/machine-info.js';
import type { ProcessStats } from './lib/process-stats.js';
import { mapLimited } from './lib/run-workers.js';
import { median, round } from './lib/stats.js';

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: { build: { type: 'string' }, profile: { type: 'string' } },
});
const streams = Number(positionals[0] ?? 20);
const rounds = Number(positionals[1] ?? 4);
const delayMs = Number(positionals[2] ?? 20);
const buildDir =
  values.build === undefined
    ? await compileForBench(join(dirname(fileURLToPath(import.meta.url)), '..'))
    : resolve(values.build);

const stack = await startBenchStack({
  buildDir,
  disconnectGraceMs: 0,
  ...(values.profile === undefined ? {} : { cpuProfileDir: resolve(values.profile) }),
});
try {
  const gateway = createGatewayLoadClient(stack.gateway.url);
  const tokens = await mapLimited(
    Array.from({ length: streams }, (_, index) => index),
    streams,
    () => gateway.openSession(),
  );
  let sequence = 0;
  /** Gateway CPU (ms, total and system) for `streams` concurrent streams of `deltas` deltas each. */
  const batch = async (deltas: number): Promise<{ cpu: number; system: number }> => {
    const before = await stack.gateway.request<ProcessStats>('statsNow');
    await mapLimited(tokens, streams, async (token) => {
      const observation = await gateway.chat(token, {
        text: formatDirective({ kind: 'paced', deltas, delayMs }, `p${sequence++}`),
      });
      if (observation.terminal !== 'stream_complete')
        throw new Error(`chat failed: ${observation.errorText}`);
      if (observation.textDeltas !== deltas) {
        throw new Error(`expected ${deltas} deltas, got ${observation.textDeltas}`);
      }
    });
    const after = await stack.gateway.request<ProcessStats>('statsNow');
    return { cpu: after.cpuMs - before.cpuMs, system: after.systemCpuMs - before.systemCpuMs };
  };
  const perDelta: number[] = [];
  const systemPerDelta: number[] = [];
  const perStream: number[] = [];
  const micros = (long: number, short: number): number => ((long - short) / (streams * 56)) * 1000;
  for (let index = 0; index < rounds; index += 1) {
    const long = await batch(64);
    const short = await batch(8);
    const label = index === 0 ? 'warm-up' : `round ${index}`;
    console.log(
      `${label}: 64 deltas ${round(long.cpu, 1)} ms, 8 deltas ${round(short.cpu, 1)} ms of gateway CPU for ${streams} streams → ` +
        `${round(micros(long.cpu, short.cpu), 1)} µs per delta, of which system ${round(micros(long.system, short.system), 1)} µs (load ${currentLoad()})`,
    );
    if (index > 0) {
      perDelta.push(micros(long.cpu, short.cpu));
      systemPerDelta.push(micros(long.system, short.system));
      perStream.push(short.cpu / streams);
    }
  }
  console.log(
    `gateway CPU per relayed delta: ${round(median(perDelta), 1)} µs, of which system (kernel) ` +
      `${round(median(systemPerDelta), 1)} µs (medians of ${perDelta.length} rounds; 8-delta stream ` +
      `${round(median(perStream), 2)} ms each, ${streams} at a time, ${delayMs} ms pacing)`,
  );
} finally {
  await stack.close();
}
