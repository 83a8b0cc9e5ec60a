import { readdirSync, readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';

/**
 * A module for `node --import` in a gateway under test (bench/durable-gap-anatomy.ts): it counts
 * the process's garbage collections by kind (a `PerformanceObserver` for `gc`), and on each
 * SIGUSR2 writes to `CENSUS_OUT` what the process says of itself: its CPU split into user and
 * kernel time and its context switches and page faults (`process.resourceUsage`, microseconds),
 * the collections' count and time, its event loop's busy and idle time, and its heap.
 * Counters only: nothing is written between two signals.
 */
export const GATEWAY_CENSUS_PRELOAD = `import { writeFileSync } from 'node:fs';
import { PerformanceObserver, constants, performance } from 'node:perf_hooks';
import { getHeapStatistics } from 'node:v8';

const kinds = new Map([
  [constants.NODE_PERFORMANCE_GC_MINOR, 'minor'],
  [constants.NODE_PERFORMANCE_GC_MAJOR, 'major'],
  [constants.NODE_PERFORMANCE_GC_INCREMENTAL, 'incremental'],
  [constants.NODE_PERFORMANCE_GC_WEAKCB, 'weakcb'],
]);
const gc = { minor: [0, 0], major: [0, 0], incremental: [0, 0], weakcb: [0, 0] };
new PerformanceObserver((list) => {
  for (const entry of list.getEntries()) {
    const kind = gc[kinds.get(entry.detail?.kind) ?? 'weakcb'];
    kind[0] += 1;
    kind[1] += entry.duration;
  }
}).observe({ entryTypes: ['gc'] });

let seq = 0;
process.on('SIGUSR2', () => {
  seq += 1;
  const usage = process.resourceUsage();
  const loop = performance.eventLoopUtilization();
  const heap = getHeapStatistics();
  writeFileSync(
    process.env.CENSUS_OUT + '.' + process.pid,
    JSON.stringify({
      seq,
      userUs: usage.userCPUTime,
      systemUs: usage.systemCPUTime,
      voluntary: usage.voluntaryContextSwitches,
      involuntary: usage.involuntaryContextSwitches,
      minorFaults: usage.minorPageFault,
      gc,
      loopActiveMs: loop.active,
      loopIdleMs: loop.idle,
      heapUsed: heap.used_heap_size,
      heapTotal: heap.total_heap_size,
      rss: process.memoryUsage.rss(),
    }),
  );
});
`;

/** Count and total ms of one kind of collection. */
export type GcTally = [count: number, ms: number];

/** What the preload writes on SIGUSR2 (cumulative since the process started, but `heap*` and `rss`). */
export interface CensusSnapshot {
  seq: number;
  userUs: number;
  systemUs: number;
  voluntary: number;
  involuntary: number;
  minorFaults: number;
  gc: Record<'minor' | 'major' | 'incremental' | 'weakcb', GcTally>;
  loopActiveMs: number;
  loopIdleMs: number;
  heapUsed: number;
  heapTotal: number;
  rss: number;
}

/** The snapshot in `text`; undefined while the file is empty or half written (read mid-write). */
const parsedOrUndefined = (text: string): CensusSnapshot | undefined => {
  try {
    return text === '' ? undefined : (JSON.parse(text) as CensusSnapshot);
  } catch {
    return undefined;
  }
};

/**
 * Asks the process `pid` (running the preload with `CENSUS_OUT=<out>`) for its snapshot number
 * `seq` and resolves it once written; rejects after 5 s.
 */
export async function censusOf(pid: number, out: string, seq: number): Promise<CensusSnapshot> {
  process.kill(pid, 'SIGUSR2');
  const deadline = performance.now() + 5_000;
  for (;;) {
    const text = await readFile(`${out}.${pid}`, 'utf8').catch(() => '');
    const snapshot = parsedOrUndefined(text);
    if (snapshot !== undefined && snapshot.seq >= seq) return snapshot;
    if (performance.now() > deadline) throw new Error(`process ${pid} wrote no census ${seq}`);
    await new Promise((resolve) => setTimeout(resolve, 2));
  }
}

/** CPU (ns, the scheduler's own count) and context switches of a process's threads, main apart. */
export interface ThreadCensus {
  mainNs: number;
  otherNs: number;
  /** Context switches of the main thread, and of the others: voluntary, involuntary. */
  mainSwitches: [number, number];
  otherSwitches: [number, number];
  threads: number;
}

const switchesOf = (status: string): [number, number] => [
  Number(/^voluntary_ctxt_switches:\s+(\d+)/m.exec(status)?.[1] ?? 0),
  Number(/^nonvoluntary_ctxt_switches:\s+(\d+)/m.exec(status)?.[1] ?? 0),
];

/** Reads `/proc/<pid>/task/*` (threads that end meanwhile are left out). */
export function threadCensus(pid: number): ThreadCensus {
  const census: ThreadCensus = {
    mainNs: 0,
    otherNs: 0,
    mainSwitches: [0, 0],
    otherSwitches: [0, 0],
    threads: 0,
  };
  for (const tid of readdirSync(`/proc/${pid}/task`)) {
    let schedstat: string;
    let status: string;
    try {
      schedstat = readFileSync(`/proc/${pid}/task/${tid}/schedstat`, 'utf8');
      status = readFileSync(`/proc/${pid}/task/${tid}/status`, 'utf8');
    } catch {
      continue;
    }
    const ns = Number(schedstat.split(' ')[0]);
    const [voluntary, involuntary] = switchesOf(status);
    const main = tid === String(pid);
    census.threads += 1;
    if (main) census.mainNs += ns;
    else census.otherNs += ns;
    const switches = main ? census.mainSwitches : census.otherSwitches;
    switches[0] += voluntary;
    switches[1] += involuntary;
  }
  return census;
}

/** The scheduler's CPU ns of every `postgres` process among `pids`. */
export function postgresNs(pids: readonly number[]): number {
  let total = 0;
  for (const pid of pids) {
    try {
      if (readFileSync(`/proc/${pid}/comm`, 'utf8').trim() !== 'postgres') continue;
      total += Number(readFileSync(`/proc/${pid}/schedstat`, 'utf8').split(' ')[0]);
    } catch {
      continue;
    }
  }
  return total;
}
