import { existsSync, readFileSync, rmSync } from 'node:fs';
import type { ChildProcess } from 'node:child_process';
import { servingPid } from './serving-process.js';

/**
 * A module for `node --import` in a gateway under test: on SIGUSR2 it writes the event-loop
 * delay (`monitorEventLoopDelay`, 5 ms resolution) since the previous SIGUSR2 to the file named
 * by `BENCH_LOOP_DELAY_FILE`, then resets the histogram.
 */
export const LOOP_DELAY_PRELOAD = `import { monitorEventLoopDelay } from 'node:perf_hooks';
import { writeFileSync } from 'node:fs';
const histogram = monitorEventLoopDelay({ resolution: 5 });
histogram.enable();
process.on('SIGUSR2', () => {
  const ms = (ns) => Math.round(ns / 1e4) / 100;
  writeFileSync(process.env.BENCH_LOOP_DELAY_FILE, JSON.stringify({ maxMs: ms(histogram.max), p99Ms: ms(histogram.percentile(99)), meanMs: ms(histogram.mean) }));
  histogram.reset();
});
`;

/** A gateway's event-loop delay over a window, in ms. */
export interface LoopDelay {
  maxMs: number;
  p99Ms: number;
  meanMs: number;
}

/**
 * The event-loop delay of `child` (started with `LOOP_DELAY_PRELOAD` and `file` as its
 * `BENCH_LOOP_DELAY_FILE`) since the previous call; the first call only starts the window. The
 * signal goes to the process that serves (`servingPid`): a `serve` re-executes node and waits,
 * and that parent, which runs the preload too, would answer with its own idle loop's delay.
 */
export async function loopDelayOf(child: ChildProcess, file: string): Promise<LoopDelay> {
  rmSync(file, { force: true });
  process.kill(servingPid(child.pid ?? 0), 'SIGUSR2');
  for (let waited = 0; !existsSync(file); waited += 5) {
    if (waited > 30_000) throw new Error('the gateway did not report its event-loop delay');
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
  await new Promise((resolve) => setTimeout(resolve, 5));
  return JSON.parse(readFileSync(file, 'utf8')) as LoopDelay;
}

/** The resident set of process `pid` now, in bytes (Linux `/proc`), or 0 once it is gone. */
export function rssOf(pid: number | undefined): number {
  if (pid === undefined) return 0;
  try {
    const kib = /VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1];
    return Number(kib ?? 0) * 1024;
  } catch {
    return 0;
  }
}
