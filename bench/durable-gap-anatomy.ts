/**
 * Where the default `serve`'s extra CPU per chat goes, in what a JS CPU profile does not show
 * (issue 81): the lanes of bench/durable-verdict.ts (`default`, `no-database`, and with
 * `--control` a second `default`), the lean mock and client, 32 clients, interleaved slices;
 * per chat, for each lane's serving process: its CPU split into user and kernel time and into
 * its main thread and its other threads (V8's collector and compiler helpers, libuv's pool), its
 * context switches (voluntary, involuntary) and minor page faults, its garbage collections by
 * kind (count and ms), its event loop's busy time; and PostgreSQL's CPU. The gateway reports on
 * itself through a preload (bench/lib/gateway-census.ts); the threads are read from `/proc`.
 *
 * `--control-package <dir>`: the control lane serves a copy of the build in `<dir>` (a folder
 * holding `bin/`, `dist/`, `package.json` and `node_modules`), patched to leave a part of the
 * durable path out: what that part costs is the control's distance to `default`.
 *
 * `--budget`: the lanes are `default` and `budget` (the default with one budget on every chat, as
 * bench/budget-verdict.ts runs it): where issue 79's budget check spends its CPU instead.
 *
 * `--pin`: the gateways' processes run on CPU 1 alone, PostgreSQL, the mock and this client on
 * CPU 0 (`taskset`, both lanes alike): whether the gap is the two cores' sharing, not code.
 *
 * `--perf <dir>`: each slice of each lane is also sampled by `perf record` (cpu-clock, its serving
 * process's threads, JS functions named through `--perf-basic-prof-only-functions`) into
 * `<dir>/<lane>-<slice>.data`; the chats of each slice are in the results to divide by.
 *
 *   npm run build && node --import tsx bench/durable-gap-anatomy.ts [--deltas 3] [--seconds 12]
 *     [--slices 6] [--warm-chats 4000] [--concurrency 32] [--control] [--control-package <dir>] [--budget] [--pin] [--perf <dir>]
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startChildProcess } from './lib/child-process-handle.js';
import { startPerfRecord } from './lib/perf-record.js';
import { flagValue, numberFlag } from './lib/cli-flags.js';
import { censusOf, GATEWAY_CENSUS_PRELOAD, postgresNs, threadCensus } from './lib/gateway-census.js';
import type { CensusSnapshot, ThreadCensus } from './lib/gateway-census.js';
import { createLeanConnection, type LeanConnection } from './lib/lean-load-client.js';
import { leanChatsFor } from './lib/lean-chats.js';
import { currentLoad, describeMachine } from './lib/machine-info.js';
import { round } from './lib/stats.js';
import { processTree, servingPid } from './lib/serving-process.js';
import { startVerdictLane, type StartedLane, type VerdictLane } from './lib/verdict-lanes.js';

const deltas = numberFlag('deltas', 3);
const seconds = numberFlag('seconds', 12);
const slices = numberFlag('slices', 6);
const warmChats = numberFlag('warm-chats', 4_000);
const concurrency = numberFlag('concurrency', 32);
const pin = process.argv.includes('--pin');
const perfDir = flagValue('perf');
const controlPackage = flagValue('control-package');
const lanes: VerdictLane[] = process.argv.includes('--budget')
  ? ['default', 'budget']
  : process.argv.includes('--control') || controlPackage !== undefined
    ? ['default', 'control', 'no-database']
    : ['default', 'no-database'];
const out = join(tmpdir(), `durable-gap-census-${process.pid}`);
if (flagValue('deltas') !== undefined && !(deltas > 0)) throw new Error('--deltas takes a count of deltas');

/** Sums over a lane's slices of what changed during each. */
interface Totals {
  chats: number;
  ms: number;
  userUs: number;
  systemUs: number;
  mainNs: number;
  otherNs: number;
  mainSwitches: [number, number];
  otherSwitches: [number, number];
  minorFaults: number;
  gcCount: Record<string, number>;
  gcMs: Record<string, number>;
  loopActiveMs: number;
  postgresNs: number;
  heapUsedMiB: number[];
  /** Chats of each slice (to divide a slice's `perf` samples by). */
  sliceChats: number[];
}

const emptyTotals = (): Totals => ({
  chats: 0,
  ms: 0,
  userUs: 0,
  systemUs: 0,
  mainNs: 0,
  otherNs: 0,
  mainSwitches: [0, 0],
  otherSwitches: [0, 0],
  minorFaults: 0,
  gcCount: {},
  gcMs: {},
  loopActiveMs: 0,
  postgresNs: 0,
  heapUsedMiB: [],
  sliceChats: [],
});

interface Reading {
  census: CensusSnapshot;
  threads: ThreadCensus;
  postgresNs: number;
}

const setAffinity = (cpu: number, pid: number, allThreads: boolean): void => {
  execFileSync('taskset', [...(allThreads ? ['-a'] : []), '-p', '-c', String(cpu), String(pid)], {
    stdio: 'ignore',
  });
};

const mock = await startChildProcess({
  entry: fileURLToPath(new URL('./lib/lean-mock-process.ts', import.meta.url)),
});
const started = new Map<VerdictLane, StartedLane & { serving: number; seq: number }>();
const connections = new Map<VerdictLane, LeanConnection[]>();
const totals = new Map<VerdictLane, Totals>(lanes.map((lane) => [lane, emptyTotals()]));
const load = { start: currentLoad(), end: 0 };
try {
  for (const lane of lanes) {
    const running = await startVerdictLane(lane, {
      node: process.execPath,
      mockUrl: mock.url,
      packageRoot: lane === 'control' ? controlPackage : undefined,
      gateway: {
        files: { 'census.mjs': GATEWAY_CENSUS_PRELOAD },
        nodeFlags: [
          '--import',
          './census.mjs',
          ...(perfDir === undefined ? [] : ['--perf-basic-prof-only-functions']),
        ],
        env: { CENSUS_OUT: out },
      },
    });
    started.set(lane, { ...running, serving: servingPid(running.pid), seq: 0 });
    connections.set(
      lane,
      await Promise.all(
        Array.from({ length: concurrency }, async (_, index) =>
          createLeanConnection(running.target, await running.openClient(index)),
        ),
      ),
    );
  }
  if (pin) {
    // The harness on CPU 0 with PostgreSQL; every gateway alone on CPU 1.
    for (const pid of processTree(process.pid)) setAffinity(0, pid, true);
    for (const pid of processTree(mock.pid ?? 0)) setAffinity(0, pid, true);
    for (const running of started.values())
      for (const pid of processTree(running.pid))
        setAffinity(pid === running.serving || pid === running.pid ? 1 : 0, pid, true);
  }
  const of = <Value>(map: ReadonlyMap<VerdictLane, Value>, lane: VerdictLane): Value => {
    const value = map.get(lane);
    if (value === undefined) throw new Error(`no lane ${lane}`);
    return value;
  };
  for (const lane of lanes)
    for (let served = 0; served < warmChats;)
      served += (await leanChatsFor(of(connections, lane), deltas, 1)).chats;
  const read = async (lane: VerdictLane): Promise<Reading> => {
    const running = of(started, lane);
    running.seq += 1;
    return {
      census: await censusOf(running.serving, out, running.seq),
      threads: threadCensus(running.serving),
      postgresNs: postgresNs(processTree(running.pid)),
    };
  };
  for (let slice = 0; slice < slices; slice += 1) {
    for (const lane of slice % 2 === 0 ? lanes : [...lanes].reverse()) {
      const before = await read(lane);
      const stopPerf =
        perfDir === undefined
          ? undefined
          : await startPerfRecord(of(started, lane).serving, join(perfDir, `${lane}-${slice}.data`));
      const { chats, ms } = await leanChatsFor(of(connections, lane), deltas, seconds / slices);
      await stopPerf?.();
      const after = await read(lane);
      const sum = of(totals, lane);
      sum.chats += chats;
      sum.sliceChats.push(chats);
      sum.ms += ms;
      sum.userUs += after.census.userUs - before.census.userUs;
      sum.systemUs += after.census.systemUs - before.census.systemUs;
      sum.mainNs += after.threads.mainNs - before.threads.mainNs;
      sum.otherNs += after.threads.otherNs - before.threads.otherNs;
      for (const index of [0, 1] as const) {
        sum.mainSwitches[index] += after.threads.mainSwitches[index] - before.threads.mainSwitches[index];
        sum.otherSwitches[index] += after.threads.otherSwitches[index] - before.threads.otherSwitches[index];
      }
      sum.minorFaults += after.census.minorFaults - before.census.minorFaults;
      for (const [kind, [count, gcMs]] of Object.entries(after.census.gc)) {
        const [countBefore, msBefore] = before.census.gc[kind as keyof CensusSnapshot['gc']];
        sum.gcCount[kind] = (sum.gcCount[kind] ?? 0) + count - countBefore;
        sum.gcMs[kind] = (sum.gcMs[kind] ?? 0) + gcMs - msBefore;
      }
      sum.loopActiveMs += after.census.loopActiveMs - before.census.loopActiveMs;
      sum.postgresNs += after.postgresNs - before.postgresNs;
      sum.heapUsedMiB.push(after.census.heapUsed / 2 ** 20);
    }
  }
} finally {
  for (const list of connections.values()) for (const connection of list) connection.close();
  for (const running of started.values()) await running.stop();
  await mock.close();
}
load.end = currentLoad();

const perChat = (value: number, sum: Totals): number => round(value / Math.max(1, sum.chats), 2);
const rows = lanes.map((lane) => {
  const sum = totals.get(lane) ?? emptyTotals();
  const gcUs = Object.fromEntries(
    Object.entries(sum.gcMs).map(([kind, ms]) => [kind, perChat(ms * 1_000, sum)]),
  );
  return {
    lane,
    chatsPerSecond: round(sum.chats / (sum.ms / 1_000), 1),
    userUs: perChat(sum.userUs, sum),
    systemUs: perChat(sum.systemUs, sum),
    mainThreadUs: perChat(sum.mainNs / 1_000, sum),
    otherThreadsUs: perChat(sum.otherNs / 1_000, sum),
    loopActiveUs: perChat(sum.loopActiveMs * 1_000, sum),
    gcUs,
    gcPerThousandChats: Object.fromEntries(
      Object.entries(sum.gcCount).map(([kind, count]) => [kind, perChat(count * 1_000, sum)]),
    ),
    mainSwitches: sum.mainSwitches.map((count) => perChat(count, sum)),
    otherSwitches: sum.otherSwitches.map((count) => perChat(count, sum)),
    minorFaults: perChat(sum.minorFaults, sum),
    postgresUs: perChat(sum.postgresNs / 1_000, sum),
    sliceChats: sum.sliceChats,
    heapUsedMiB: round(sum.heapUsedMiB.reduce((a, b) => a + b, 0) / Math.max(1, sum.heapUsedMiB.length), 1),
  };
});
console.log(
  `${deltas} deltas, c=${concurrency}, ${seconds} s in ${slices} slices per lane${pin ? ', pinned' : ''}, load ${load.start} to ${load.end}`,
);
console.table(
  rows.map((row) => ({
    lane: row.lane,
    'chats/s': row.chatsPerSecond,
    'user µs': row.userUs,
    'sys µs': row.systemUs,
    'main µs': row.mainThreadUs,
    'other thr µs': row.otherThreadsUs,
    'loop busy µs': row.loopActiveUs,
    'gc µs': Object.values(row.gcUs)
      .reduce((a, b) => a + b, 0)
      .toFixed(1),
    'minor/1k': row.gcPerThousandChats.minor,
    'major/1k': row.gcPerThousandChats.major,
    'vol sw main': row.mainSwitches[0],
    'invol sw main': row.mainSwitches[1],
    'sw others': row.otherSwitches.join('/'),
    faults: row.minorFaults,
    'pg µs': row.postgresUs,
    'heap MiB': row.heapUsedMiB,
  })),
);
const resultsDir = fileURLToPath(new URL('./results/issue-81/', import.meta.url));
mkdirSync(resultsDir, { recursive: true });
const file = `${resultsDir}durable-gap-anatomy-${deltas}-deltas${pin ? '-pinned' : ''}-${new Date().toISOString().replace(/[:.]/g, '-')}.json`;
writeFileSync(
  file,
  `${JSON.stringify({ issue: 81, machine: describeMachine(), settings: { deltas, seconds, slices, warmChats, concurrency, pin, controlPackage, perfDir }, load, rows }, null, 2)}\n`,
);
console.log(`raw results: ${file}`);
